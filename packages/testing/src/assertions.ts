import assert from 'node:assert/strict';
import type { ErrorCode } from '@cloudport/core';

/** An error as the suites inspect it: a stable code and, for key errors, the key. */
export type CodedError = Error & { code?: unknown; key?: string };

/**
 * Runs `action` and checks that it fails with the stable `code`; returns the error. Codes
 * are compared rather than classes, since the implementation may load another copy of core.
 */
export async function failsWith(
  action: () => Promise<unknown>,
  code: ErrorCode,
  what: string,
): Promise<CodedError> {
  let failure: unknown;
  try {
    await action();
  } catch (error) {
    failure = error;
  }
  assert.ok(failure !== undefined, `${what}: expected ${code}, but it succeeded`);
  const actual = (failure as { code?: unknown } | null)?.code;
  assert.equal(actual, code, `${what}: expected ${code}, got ${String(failure)}`);

  return failure as CodedError;
}

/**
 * Like {@link failsWith}, but `action` must return a rejected promise: an API that throws
 * synchronously breaks callers that only handle rejections.
 */
export async function rejectsWith(
  action: () => Promise<unknown>,
  code: ErrorCode,
  what = 'the call',
): Promise<CodedError> {
  let promise: Promise<unknown>;
  try {
    promise = action();
  } catch (error) {
    assert.fail(`${what}: expected a promise rejected with ${code}, but it threw: ${error}`);
  }

  return failsWith(() => promise, code, what);
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
