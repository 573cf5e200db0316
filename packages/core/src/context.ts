import type { Logger } from './logger.js';

/** What a handler gets beside its event. */
export interface HandlerContext {
  /** Id of this invocation on the platform (Lambda request id, execution id, ...). */
  invocationId: string;
  pipeline: string;
  functionName: string;
  /** Structured logger, already carrying the invocation id. */
  logger: Logger;
  /** Aborted when the platform's time limit is near or the runtime shuts down. */
  signal: AbortSignal;
  /** Milliseconds left before the platform stops the invocation. */
  remainingTimeMs(): number;
}
