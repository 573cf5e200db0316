import assert from 'node:assert/strict';
import type { TestFn, TestRunner } from '../../src/runner.js';

/** The cases a suite registered, by test name. */
export type Cases = Map<string, TestFn>;

/** Runs a suite's registration with a runner that keeps its cases instead of running them. */
export function collect(register: (runner: TestRunner) => void): Cases {
  const cases: Cases = new Map();
  register({
    describe: (_name, fn) => fn(),
    it: (name, fn) => {
      assert.ok(!cases.has(name), `two cases are named ${name}`);
      cases.set(name, fn);
    },
  });

  return cases;
}

/** Runs one collected case; resolves to its failure, or undefined when it passed. */
export async function failureOf(cases: Cases, name: string): Promise<Error | undefined> {
  const fn = cases.get(name);
  assert.ok(fn, `no case is named ${name}; there are: ${[...cases.keys()].join(' | ')}`);
  try {
    await fn();
  } catch (error) {
    return error as Error;
  }

  return undefined;
}

/** The name of the one collected case that starts with `start`. */
export function named(cases: Cases, start: string): string {
  const found = [...cases.keys()].filter((name) => name.startsWith(start));
  assert.equal(found.length, 1, `cases starting with ${start}: ${found.join(' | ')}`);

  return found[0] as string;
}
