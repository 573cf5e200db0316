/** A test body; it may return a promise. */
export type TestFn = () => unknown | Promise<unknown>;

/**
 * The parts of a test runner the suites need. Vitest, Jest and `node:test` all fit, since the
 * suites assert with `node:assert/strict` and only need the runner to group and run tests.
 *
 * @example
 * import { describe, it } from 'vitest';
 * storeConformance({ describe, it }, { name: 'my store', ... });
 */
export interface TestRunner {
  describe(name: string, fn: () => void): void;
  it(name: string, fn: TestFn, timeoutMs?: number): void;
}
