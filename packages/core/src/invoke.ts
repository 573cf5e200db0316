import type { Adapter, Decoded, Settled } from './adapter.js';
import type { HandlerContext } from './context.js';
import { isCloudportError } from './errors.js';
import { type NeutralEvent, toJsonEvent } from './events.js';
import type { Logger } from './logger.js';
import { type DeadLetterRecord, type Outcome, outcomeOfError } from './outcomes.js';
import type { Pipeline, PipelineFunction } from './pipeline.js';
import { isActiveResolver, type ResourceResolver, withResolver } from './resolver.js';

/** What the platform tells about one invocation: its id and how long it may run. */
export interface Invocation {
  invocationId: string;
  /** Epoch milliseconds at which the platform stops the invocation. */
  deadline?: number | undefined;
  /**
   * Milliseconds the platform still gives the invocation, asked (as a method of this object)
   * only when the handler wants to know (its signal or `remainingTimeMs()`); takes precedence
   * over `deadline`.
   */
  remainingTimeMs?: (() => number) | undefined;
  signal?: AbortSignal | undefined;
}

/** Everything one invocation needs. */
export interface InvokeOptions<Input, Output = unknown> extends Invocation {
  /** Only `decode` and `encode` are used, so an adapter may pass a part of itself. */
  adapter: Pick<Adapter<Input, Output>, 'decode' | 'encode'>;
  pipeline: Pipeline;
  fn: PipelineFunction;
  input: Input;
  resolver: ResourceResolver;
  logger: Logger;
  /**
   * Called when the invocation fails as a whole: the input could not be decoded, the result
   * could not be encoded, or the adapter's encoding fails the invocation on purpose. What it
   * returns answers the invocation; what it throws rejects it. Without it, the error rejects.
   */
  onFailure?: ((error: unknown, invocationId: string) => Output) | undefined;
}

/** What {@link createInvoker} prepares once: all of {@link InvokeOptions} but the call's own. */
export interface InvokerOptions<Input, Output, Platform>
  extends Omit<InvokeOptions<Input, Output>, 'input' | keyof Invocation> {
  /** Reads the invocation's id and time from what the platform passes beside the input. */
  invocation(platform: Platform): Invocation;
}

type RunOptions = Omit<InvokeOptions<unknown>, 'adapter' | 'input' | 'onFailure'>;
/** What every unit of an invocation shares. */
type Shared = Pick<InvokeOptions<unknown>, 'pipeline' | 'fn' | 'resolver' | 'logger'>;
type Setup = Omit<InvokeOptions<unknown>, 'input' | keyof Invocation> &
  Partial<Invocation> & { invocation?: (platform: unknown) => Invocation };
type EventHandler = (event: NeutralEvent, context: HandlerContext) => unknown;
type RequestHandler = (request: Request, context: HandlerContext) => Promise<Response>;

const PROCESSED: Outcome = Object.freeze({ kind: 'processed' });
/** How long before the deadline the handler's signal aborts. */
const ABORT_MARGIN_MS = 500;

/**
 * Runs one platform invocation: decode, call the handler once per unit in order, settle each
 * outcome (forwarding dead letters to the bound queue), then encode the platform's result.
 *
 * A unit with an ordering key is not run after an earlier unit with the same key failed in
 * this invocation; it is retried with it, so order within the key holds.
 *
 * @example
 * const output = await invoke({ adapter, pipeline, fn, input, resolver, logger, invocationId });
 */
export function invoke<Input, Output>(options: InvokeOptions<Input, Output>): Promise<Output> {
  return execute(options as Setup, options.input, undefined, undefined) as Promise<Output>;
}

/**
 * Prepares {@link invoke} for one function: the returned function takes the platform's input
 * and what the platform passes beside it (such as the Lambda context), from which `invocation`
 * reads the id and the time. It is the shared loop itself, bound to `options`, so it puts one
 * frame between the platform and the handler: every frame makes each error a handler throws
 * dearer to capture and to log.
 *
 * @example
 * export const handler = createInvoker({ adapter, pipeline, fn, resolver, logger,
 *   invocation: (context) => ({ invocationId: context.awsRequestId }) });
 */
export function createInvoker<Input, Output, Platform>(
  options: InvokerOptions<Input, Output, Platform>,
): (input: Input, platform: Platform) => Promise<Output> {
  return execute.bind(undefined, options as unknown as Setup) as (
    input: Input,
    platform: Platform,
  ) => Promise<Output>;
}

/** Runs decoded units and settles their outcomes; the loop behind {@link invoke}. */
export function runUnits(options: RunOptions, decoded: Decoded[]): Promise<Settled[]> {
  return execute(options as Setup, undefined, undefined, decoded) as Promise<Settled[]>;
}

/**
 * Decodes the input (or takes the decoded units), runs them, and encodes the outcomes (or
 * returns them settled, for given units). It is one async function for the whole invocation:
 * a unit whose handler returns no promise costs no promise at all, and one that does costs
 * only the await of it.
 */
// `given` has a default so that it does not count in `length`: an invoker (this bound to its
// setup) then declares the two parameters of a platform handler, as Lambda expects.
async function execute(
  setup: Setup,
  input: unknown,
  platform: unknown,
  given: Decoded[] | undefined = undefined,
): Promise<unknown> {
  // A deployed function binds one resolver at cold start; entering a scope for it would only
  // cost time on every invocation (and, on Node 20, switch async hooks on for the process).
  // Given units (runUnits) run in the caller's scope, whatever it is.
  if (given === undefined && !isActiveResolver(setup.resolver)) {
    return withResolver(setup.resolver, () => execute(setup, input, platform, given));
  }
  const invocation =
    setup.invocation === undefined ? (setup as Invocation) : setup.invocation(platform);
  const adapter = given === undefined ? setup.adapter : undefined;
  const fn = setup.fn;
  const context = new InvocationContext(setup, invocation);
  const options: Shared = setup;
  try {
    const decoded = given ?? (adapter as Setup['adapter']).decode(fn, input);
    const handler = fn.handler as EventHandler;
    const settled: Settled[] = new Array(decoded.length);
    let failedKeys: Set<string> | undefined;
    for (let index = 0; index < decoded.length; index++) {
      const unit = decoded[index] as Decoded;
      const key = (unit as { orderingKey?: string | undefined }).orderingKey;
      if (key !== undefined && failedKeys?.has(key)) {
        settled[index] = withOutcome(unit, { kind: 'retry', error: skippedError(key) });
        continue;
      }
      let result: Settled;
      if ('event' in unit) {
        try {
          const returned = handler(unit.event, context);
          if (returned !== undefined && typeof (returned as Promise<unknown>).then === 'function') {
            await returned;
          }
          result = {
            id: unit.id,
            event: unit.event,
            orderingKey: unit.orderingKey,
            outcome: PROCESSED,
          };
        } catch (error) {
          const outcome = settleError(options, context, unit, error);
          result = withOutcome(unit, outcome instanceof Promise ? await outcome : outcome);
        }
      } else if ('request' in unit) {
        result = await runRequest(options, context, unit);
      } else {
        const outcome = settleError(options, context, unit, unit.error);
        result = withOutcome(unit, outcome instanceof Promise ? await outcome : outcome);
      }
      if (key !== undefined && failed(result.outcome)) {
        failedKeys ??= new Set();
        failedKeys.add(key);
      }
      settled[index] = result;
    }
    context.dispose();

    return adapter === undefined ? settled : adapter.encode(fn, settled);
  } catch (error) {
    context.dispose();
    if (adapter === undefined || setup.onFailure === undefined) throw error;
    return setup.onFailure(error, invocation.invocationId);
  }
}

async function runRequest(
  options: Shared,
  context: HandlerContext,
  unit: { id: string; request: () => Request },
): Promise<Settled> {
  try {
    const response = await (options.fn.handler as RequestHandler)(unit.request(), context);
    return { id: unit.id, request: unit.request, outcome: PROCESSED, response };
  } catch (error) {
    return withOutcome(unit, await settleError(options, context, unit, error));
  }
}

/** The outcome of what a unit threw (or failed to decode with), logged and settled. */
function settleError(
  options: Shared,
  context: HandlerContext,
  unit: Decoded,
  error: unknown,
): Outcome | Promise<Outcome> {
  const outcome = outcomeOfError(error);
  logFailure(context.logger, unit.id, outcome);
  if (outcome.kind !== 'dead-letter' || !options.fn.deadLetter) return outcome;

  return forward(options, unit, outcome);
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
async function forward(
  options: Shared,
  unit: Decoded,
  outcome: Extract<Outcome, { kind: 'dead-letter' }>,
): Promise<Outcome> {
  const { fn, pipeline } = options;
  const deadLetter = fn.deadLetter;
  if (!deadLetter) return outcome;

  const record: DeadLetterRecord = {
    reason: outcome.reason,
    code: isCloudportError(outcome.error) ? outcome.error.code : undefined,
    pipeline: pipeline.name,
    function: fn.name,
    eventId: unit.id,
    event: eventOf(unit),
    deadLetteredAt: new Date().toISOString(),
  };
  try {
    await options.resolver.queue(deadLetter).send(record);
    return { ...outcome, forwarded: true };
  } catch (error) {
    options.logger.error('dead-letter forward failed; the event will be retried', {
      eventId: unit.id,
      deadLetterQueue: deadLetter.name,
      error,
    });
    return { kind: 'retry', error };
  }
}

/** What a dead-letter record carries: the neutral event, or the raw input it came from. */
function eventOf(unit: Decoded): unknown {
  if ('event' in unit) return toJsonEvent(unit.event);

  return 'error' in unit ? unit.raw : undefined;
}

/**
 * The handler context of one invocation. The logger child, the abort signal and the time
 * left are worked out on first use, so handlers that use none of them pay for none.
 */
class InvocationContext implements HandlerContext {
  readonly invocationId: string;
  readonly pipeline: string;
  readonly functionName: string;
  private readonly options: Shared;
  private readonly invocation: Invocation;
  private readonly end: number;
  private child: Logger | undefined;
  private controller: AbortController | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: Shared, invocation: Invocation) {
    this.options = options;
    this.invocation = invocation;
    this.invocationId = invocation.invocationId;
    this.pipeline = options.pipeline.name;
    this.functionName = options.fn.name;
    this.end =
      invocation.remainingTimeMs !== undefined
        ? Number.NaN
        : (invocation.deadline ?? Date.now() + options.fn.timeoutSeconds * 1000);
  }

  get logger(): Logger {
    this.child ??= this.options.logger.child({ invocationId: this.invocationId });
    return this.child;
  }

  /** Aborts shortly before the deadline, so handlers can stop cleanly. */
  get signal(): AbortSignal {
    if (this.invocation.signal) return this.invocation.signal;
    if (!this.controller) {
      const controller = new AbortController();
      const reason = new Error(`Invocation ${this.invocationId} reached its time limit.`);
      const wait = this.remainingTimeMs() - ABORT_MARGIN_MS;
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
    // Called on the invocation, so that it may be a method of an adapter's own object.
    if (this.invocation.remainingTimeMs !== undefined) return this.invocation.remainingTimeMs();

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
