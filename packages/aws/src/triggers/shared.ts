import {
  DeadLetterError,
  InvalidEventError,
  type Outcome,
  type PipelineFunction,
  type Settled,
} from '@cloudport/core';

/**
 * The `Records` array of an S3 or SQS event; anything else is unusable as a whole and raises
 * `INVALID_EVENT` naming what the function expected and what it got.
 */
export function recordsOf<T>(input: unknown, fn: PipelineFunction, expected: string): T[] {
  const records = (input as { Records?: unknown } | null)?.Records;
  if (Array.isArray(records) && records.length > 0) return records as T[];

  throw new InvalidEventError(
    `Function ${JSON.stringify(fn.name)} expected ${expected} with a non-empty Records array, ` +
      `got ${describe(input)}; check which trigger invokes this function.`,
    { provider: 'aws' },
  );
}

/** A short description of an unexpected input, for error messages; never the whole payload. */
export function describe(input: unknown): string {
  if (input === null || input === undefined) return String(input);
  if (Array.isArray(input)) return `an array of ${input.length}`;
  if (typeof input !== 'object') return `a ${typeof input}`;
  const keys = Object.keys(input).slice(0, 6);

  return keys.length === 0 ? 'an empty object' : `an object with ${keys.join(', ')}`;
}

/** True when the platform must see the unit as failed: retried, or dead-lettered unforwarded. */
export function isFailed(outcome: Outcome): boolean {
  return outcome.kind === 'retry' || (outcome.kind === 'dead-letter' && !outcome.forwarded);
}

/**
 * Fails an asynchronous invocation (object and schedule events) when any unit failed, so that
 * Lambda retries the whole event and, after its last retry, hands it to the on-failure
 * destination. One failure rethrows the handler's own error; several are thrown together.
 */
export function throwIfFailed(fn: PipelineFunction, settled: Settled[]): undefined {
  let errors: unknown[] | undefined;
  for (let index = 0; index < settled.length; index++) {
    const outcome = (settled[index] as Settled).outcome;
    if (!isFailed(outcome)) continue;
    errors ??= [];
    errors.push(errorOf(outcome));
  }
  if (errors === undefined) return undefined;
  if (errors.length === 1) throw errors[0];

  throw new AggregateError(
    errors,
    `${errors.length} of ${settled.length} events for function ${JSON.stringify(fn.name)} ` +
      'failed; the invocation fails so that Lambda retries them all.',
  );
}

function errorOf(outcome: Outcome): unknown {
  if (outcome.kind === 'retry') return outcome.error;
  if (outcome.kind === 'dead-letter') return outcome.error ?? new DeadLetterError(outcome.reason);

  return undefined;
}
