/**
 * Exit codes of the `cloudport` command:
 *
 * - 0: done; dead letters are reported, not failed on.
 * - 1: the pipeline's events did not all succeed: `invoke` ended in retry or dead-letter, or
 *   `run --fail-on-dead-letters` saw dead letters.
 * - 2: the command itself failed: bad arguments, unknown module, function or bucket, malformed
 *   event file, a cloudport error, or an unexpected crash.
 * - 130: interrupted by SIGINT or SIGTERM during `run`; run again without `--fresh` to resume.
 */
export const EXIT = {
  ok: 0,
  failedEvents: 1,
  error: 2,
  interrupted: 130,
} as const;

/**
 * A mistake in how the command was called: arguments, paths, module contents or event files.
 * Its message names the offending value and what to do instead.
 */
export class UsageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UsageError';
  }
}

/** Quotes a user-supplied value for an error message. */
export function quote(value: string): string {
  return JSON.stringify(value);
}
