import { CloudportError, type CloudportErrorOptions } from './errors.js';

/** How one event ended. */
export type Outcome =
  | { kind: 'processed' }
  | { kind: 'retry'; error: unknown }
  | { kind: 'dead-letter'; reason: string; error?: unknown; forwarded: boolean };

/** Thrown by a handler to set an event aside for good, with the reason, instead of retrying. */
export class DeadLetterError extends CloudportError {
  readonly reason: string;

  constructor(reason: string, options?: CloudportErrorOptions) {
    super('DEAD_LETTER', reason, options);
    this.name = 'DeadLetterError';
    this.reason = reason;
  }
}

/**
 * Ends the current event with the dead-letter outcome: it goes to the function's bound
 * dead-letter queue with `reason`, and is not retried.
 *
 * @example
 * if (!row.id) deadLetter(`row ${line} has no id`);
 */
export function deadLetter(reason: string, cause?: unknown): never {
  throw new DeadLetterError(reason, { cause });
}

/** Classifies what a handler threw: dead-letter for `DeadLetterError` and invalid events. */
export function outcomeOfError(error: unknown): Outcome {
  if (error instanceof DeadLetterError) {
    return { kind: 'dead-letter', reason: error.reason, error, forwarded: false };
  }
  if (error instanceof CloudportError && error.code === 'INVALID_EVENT') {
    return { kind: 'dead-letter', reason: error.message, error, forwarded: false };
  }

  return { kind: 'retry', error };
}

/** What a dead-letter queue receives: the reason, where it came from and the event itself. */
export interface DeadLetterRecord {
  reason: string;
  /** Error code when the cause was a cloudport error, such as `INVALID_EVENT`. */
  code?: string | undefined;
  pipeline: string;
  function: string;
  eventId: string;
  /** The neutral event (byte bodies as `{ base64 }`) or, for undecodable input, the raw one. */
  event: unknown;
  deadLetteredAt: string;
}
