import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('./fixtures/node-test-queue.mjs', import.meta.url));

/** Runs the fixture with `node --test`, which imports the built package (`npm run build`). */
function runNodeTest(env: Record<string, string> = {}) {
  const run = spawnSync(process.execPath, ['--test', '--test-reporter=tap', fixture], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
  const count = (label: string) =>
    Number(new RegExp(`^# ${label} (\\d+)$`, 'm').exec(run.stdout)?.[1]);

  return {
    status: run.status,
    output: run.stdout + run.stderr,
    pass: count('pass'),
    fail: count('fail'),
  };
}

describe('the suites under node:test', () => {
  it('runs the queue suite with node:test, every case passing for a sound queue', () => {
    const run = runNodeTest();
    expect(run.fail, run.output).toBe(0);
    expect(run.pass, run.output).toBeGreaterThanOrEqual(15);
    expect(run.output).toContain('ok 1 - send returns a distinct non-empty message id');
    expect(run.status, run.output).toBe(0);
  }, 150_000);

  it('reports the failing case through node:test for a queue that keeps completed messages', () => {
    const run = runNodeTest({ CLOUDPORT_BROKEN: 'complete' });
    expect(run.status).not.toBe(0);
    expect(run.fail, run.output).toBe(1);
    expect(run.output).toMatch(
      /not ok \d+ - a completed message is not delivered again, even after its timeout/,
    );
  }, 150_000);
});
