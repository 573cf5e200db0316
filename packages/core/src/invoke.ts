import type { Adapter, Decoded, Settled } from './adapter.js';
import type { HandlerContext } from './context.js';
import { isCloudportError } from './errors.js';
import { type NeutralEvent, toJsonEvent } from './events.js';
import type { Logger } from './logger.js';
import { type DeadLetterRecord, type Outcome, outcomeOfError } from './outcomes.js';
import type { Pipeline, PipelineFunction } from './pipeline.js';
import { type ResourceResolver, withResolver } from './resolver.js';

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
  const settled = await withResolver(options.resolver, () => runUnits(options, decoded));

  return adapter.encode(fn, settled);
}

/** Runs decoded units and settles their outcomes; the loop behind {@link invoke}. */
export async function runUnits(
  options: Omit<InvokeOptions<unknown>, 'adapter' | 'input'>,
  decoded: Decoded[],
): Promise<Settled[]> {
  const timeout = options.signal ? undefined : deadlineSignal(options);
  const context = createContext(options, timeout?.signal);
  try {
    return await runInOrder(options, context, decoded);
  } finally {
    if (timeout) clearTimeout(timeout.timer);
  }
}

async function runInOrder(
  options: Omit<InvokeOptions<unknown>, 'adapter' | 'input'>,
  context: HandlerContext,
  decoded: Decoded[],
): Promise<Settled[]> {
  const settled: Settled[] = [];
  let failedKeys: Set<string> | undefined;
  for (const unit of decoded) {
    const key = 'orderingKey' in unit ? unit.orderingKey : undefined;
    if (key !== undefined && failedKeys?.has(key)) {
      settled.push({ ...unit, outcome: { kind: 'retry', error: skippedError(key) } });
      continue;
    }
    const result = await runUnit(options, context, unit);
    if (key !== undefined && failed(result.outcome)) {
      failedKeys ??= new Set();
      failedKeys.add(key);
    }
    settled.push(result);
  }

  return settled;
}

async function runUnit(
  options: Omit<InvokeOptions<unknown>, 'adapter' | 'input'>,
  context: HandlerContext,
  unit: Decoded,
): Promise<Settled> {
  const { fn } = options;
  if ('error' in unit) {
    const outcome = outcomeOfError(unit.error);
    logFailure(context.logger, unit.id, outcome);
    return { ...unit, outcome: await settle(options, unit.id, unit.raw, outcome) };
  }
  try {
    if ('request' in unit) {
      const handler = fn.handler as (r: Request, c: HandlerContext) => Promise<Response>;
      return {
        ...unit,
        outcome: { kind: 'processed' },
        response: await handler(unit.request(), context),
      };
    }
    const handler = fn.handler as (e: NeutralEvent, c: HandlerContext) => unknown;
    await handler(unit.event, context);

    return { ...unit, outcome: { kind: 'processed' } };
  } catch (error) {
    const outcome = outcomeOfError(error);
    logFailure(context.logger, unit.id, outcome);
    const event = 'event' in unit ? toJsonEvent(unit.event) : undefined;

    return { ...unit, outcome: await settle(options, unit.id, event, outcome) };
  }
}

/**
 * Forwards a dead-letter outcome to the function's bound queue. Without one, the outcome
 * stays unforwarded and the adapter fails the event so the platform's own dead-lettering
 * takes over; a failed forward becomes a retry, so nothing is lost.
 */
async function settle(
  options: Omit<InvokeOptions<unknown>, 'adapter' | 'input'>,
  eventId: string,
  event: unknown,
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
    event,
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
 * A signal that aborts shortly before the invocation's deadline (or the function's timeout),
 * so handlers can stop cleanly; the platform stops them at the deadline regardless.
 */
function deadlineSignal(options: Omit<InvokeOptions<unknown>, 'adapter' | 'input'>) {
  const controller = new AbortController();
  const end = options.deadline ?? Date.now() + options.fn.timeoutSeconds * 1000;
  const reason = () => new Error(`Invocation ${options.invocationId} reached its time limit.`);
  const timer = setTimeout(() => controller.abort(reason()), Math.max(0, end - Date.now() - 500));
  timer.unref?.();

  return { signal: controller.signal, timer };
}

function createContext(
  options: Omit<InvokeOptions<unknown>, 'adapter' | 'input'>,
  signal: AbortSignal | undefined,
): HandlerContext {
  const { fn } = options;
  const end = options.deadline ?? Date.now() + fn.timeoutSeconds * 1000;

  return {
    invocationId: options.invocationId,
    pipeline: options.pipeline.name,
    functionName: fn.name,
    logger: options.logger.child({ invocationId: options.invocationId }),
    signal: options.signal ?? signal ?? new AbortController().signal,
    remainingTimeMs: () => end - Date.now(),
  };
}

function logFailure(logger: Logger, eventId: string, outcome: Outcome): void {
  if (outcome.kind === 'retry')
    logger.warn('handler failed; event will be retried', { eventId, error: outcome.error });
  if (outcome.kind === 'dead-letter')
    logger.warn('event dead-lettered', { eventId, reason: outcome.reason });
}

/** True when the platform will see the unit as failed: retried, or dead-lettered unforwarded. */
function failed(outcome: Outcome): boolean {
  return outcome.kind === 'retry' || (outcome.kind === 'dead-letter' && !outcome.forwarded);
}

function skippedError(key: string): Error {
  return new Error(`Not run: an earlier message with ordering key ${JSON.stringify(key)} failed.`);
}
