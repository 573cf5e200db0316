import type { Adapter, Decoded, Settled } from './adapter.js';
import type { HandlerContext } from './context.js';
import { isCloudportError } from './errors.js';
import { type NeutralEvent, toJsonEvent } from './events.js';
import type { Logger } from './logger.js';
import { type DeadLetterRecord, type Outcome, outcomeOfError } from './outcomes.js';
import type { Pipeline, PipelineFunction } from './pipeline.js';
import { type ResourceResolver, runWithResolver } from './resolver.js';

/** Everything one invocation needs. */
export interface InvokeOptions<Input, Output = unknown> {
  adapter: Adapter<Input, Output>;
  pipeline: Pipeline;
  fn: PipelineFunction;
  input: Input;
  resolver: ResourceResolver;
  logger: Logger;
  invocationId: string;
  /** Epoch milliseconds at which the platform stops the invocation. */
  deadline?: number;
  signal?: AbortSignal;
}

type RunOptions = Omit<InvokeOptions<unknown>, 'adapter' | 'input'>;

const PROCESSED: Outcome = Object.freeze({ kind: 'processed' });
/** How long before the deadline the handler's signal aborts. */
const ABORT_MARGIN_MS = 500;

/**
 * Runs one platform invocation: decode, call the handler once per unit in order, settle each
 * outcome (forwarding dead letters to the bound queue), then encode the platform's result.
 *
 * A unit with an ordering key is not run after an earlier unit with the same key failed in
 * this invocation; it is retried with it, so order within the key holds.
 */
export async function invoke<Input, Output>(
  options: Omit<InvokeOptions<Input>, 'adapter'> & { adapter: Adapter<Input, Output> },
): Promise<Output> {
  const { adapter, fn } = options;
  const decoded = adapter.decode(fn, options.input);
  const settled = await runWithResolver(options.resolver, () => runUnits(options, decoded));

  return adapter.encode(fn, settled);
}

/** Runs decoded units and settles their outcomes; the loop behind {@link invoke}. */
export async function runUnits(options: RunOptions, decoded: Decoded[]): Promise<Settled[]> {
  const context = new InvocationContext(options);
  const settled: Settled[] = new Array(decoded.length);
  let failedKeys: Set<string> | undefined;
  try {
    for (let index = 0; index < decoded.length; index++) {
      const unit = decoded[index]!;
      const key = 'orderingKey' in unit ? unit.orderingKey : undefined;
      if (key !== undefined && failedKeys?.has(key)) {
        settled[index] = withOutcome(unit, { kind: 'retry', error: skippedError(key) });
        continue;
      }
      const result = await runUnit(options, context, unit);
      if (key !== undefined && failed(result.outcome)) {
        failedKeys ??= new Set();
        failedKeys.add(key);
      }
      settled[index] = result;
    }
  } finally {
    context.dispose();
  }

  return settled;
}

async function runUnit(options: RunOptions, context: HandlerContext, unit: Decoded) {
  if ('error' in unit) {
    const outcome = outcomeOfError(unit.error);
    logFailure(context.logger, unit.id, outcome);
    return withOutcome(unit, await settle(options, unit.id, () => unit.raw, outcome));
  }
  try {
    if ('request' in unit) {
      const handler = options.fn.handler as (r: Request, c: HandlerContext) => Promise<Response>;
      const response = await handler(unit.request(), context);
      return { id: unit.id, request: unit.request, outcome: PROCESSED, response };
    }
    const handler = options.fn.handler as (e: NeutralEvent, c: HandlerContext) => unknown;
    const result = handler(unit.event, context);
    // Synchronous handlers cost no extra promise.
    if (result !== undefined && typeof (result as Promise<unknown>).then === 'function') {
      await result;
    }

    return withOutcome(unit, PROCESSED);
  } catch (error) {
    const outcome = outcomeOfError(error);
    logFailure(context.logger, unit.id, outcome);
    const event = () => ('event' in unit ? toJsonEvent(unit.event) : undefined);

    return withOutcome(unit, await settle(options, unit.id, event, outcome));
  }
}

function withOutcome(unit: Decoded, outcome: Outcome): Settled {
  if ('event' in unit) {
    return { id: unit.id, event: unit.event, orderingKey: unit.orderingKey, outcome };
  }
  if ('request' in unit) return { id: unit.id, request: unit.request, outcome };

  return { id: unit.id, error: unit.error, raw: unit.raw, outcome };
}

/**
 * Forwards a dead-letter outcome to the function's bound queue. Without one, the outcome
 * stays unforwarded and the adapter fails the event so the platform's own dead-lettering
 * takes over; a failed forward becomes a retry, so nothing is lost.
 */
async function settle(
  options: RunOptions,
  eventId: string,
  event: () => unknown,
  outcome: Outcome,
): Promise<Outcome> {
  const { fn, pipeline } = options;
  if (outcome.kind !== 'dead-letter' || !fn.deadLetter) return outcome;

  const record: DeadLetterRecord = {
    reason: outcome.reason,
    code: isCloudportError(outcome.error) ? outcome.error.code : undefined,
    pipeline: pipeline.name,
    function: fn.name,
    eventId,
    event: event(),
    deadLetteredAt: new Date().toISOString(),
  };
  try {
    await options.resolver.queue(fn.deadLetter).send(record);
    return { ...outcome, forwarded: true };
  } catch (error) {
    options.logger.error('dead-letter forward failed; the event will be retried', {
      eventId,
      deadLetterQueue: fn.deadLetter.name,
      error,
    });
    return { kind: 'retry', error };
  }
}

/**
 * The handler context of one invocation. The logger child and the abort signal are made on
 * first use, so handlers that use neither pay for neither.
 */
class InvocationContext implements HandlerContext {
  readonly invocationId: string;
  readonly pipeline: string;
  readonly functionName: string;
  private readonly options: RunOptions;
  private readonly end: number;
  private child: Logger | undefined;
  private controller: AbortController | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: RunOptions) {
    this.options = options;
    this.invocationId = options.invocationId;
    this.pipeline = options.pipeline.name;
    this.functionName = options.fn.name;
    this.end = options.deadline ?? Date.now() + options.fn.timeoutSeconds * 1000;
  }

  get logger(): Logger {
    this.child ??= this.options.logger.child({ invocationId: this.invocationId });
    return this.child;
  }

  /** Aborts shortly before the deadline, so handlers can stop cleanly. */
  get signal(): AbortSignal {
    if (this.options.signal) return this.options.signal;
    if (!this.controller) {
      const controller = new AbortController();
      const reason = new Error(`Invocation ${this.invocationId} reached its time limit.`);
      const wait = this.end - Date.now() - ABORT_MARGIN_MS;
      if (wait <= 0) controller.abort(reason);
      else {
        this.timer = setTimeout(() => controller.abort(reason), wait);
        this.timer.unref?.();
      }
      this.controller = controller;
    }

    return this.controller.signal;
  }

  remainingTimeMs(): number {
    return this.end - Date.now();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}

function logFailure(logger: Logger, eventId: string, outcome: Outcome): void {
  if (outcome.kind === 'retry') {
    logger.warn('handler failed; event will be retried', { eventId, error: outcome.error });
  }
  if (outcome.kind === 'dead-letter') {
    logger.warn('event dead-lettered', { eventId, reason: outcome.reason });
  }
}

/** True when the platform will see the unit as failed: retried, or dead-lettered unforwarded. */
function failed(outcome: Outcome): boolean {
  return outcome.kind === 'retry' || (outcome.kind === 'dead-letter' && !outcome.forwarded);
}

function skippedError(key: string): Error {
  return new Error(`Not run: an earlier message with ordering key ${JSON.stringify(key)} failed.`);
}
