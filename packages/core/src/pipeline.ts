import type { HandlerContext } from './context.js';
import { InvalidConfigError } from './errors.js';
import type { MessageEvent, ObjectEvent, ScheduleEvent } from './events.js';
import { assertName, assertQualifiedName } from './names.js';
import { checkOptionKeys, checkWholeNumber } from './options.js';
import type { DeadLetterRecord } from './outcomes.js';
import type { BucketRef, QueueRef } from './resources.js';
import type {
  HttpTrigger,
  ObjectTrigger,
  QueueTrigger,
  ScheduleTrigger,
  Trigger,
} from './triggers.js';

type Awaitable<T> = T | Promise<T>;

/** The handler type a trigger calls for. */
export type HandlerFor<T extends Trigger> = T extends ObjectTrigger
  ? (event: ObjectEvent, context: HandlerContext) => Awaitable<void>
  : T extends QueueTrigger<infer B>
    ? (message: MessageEvent<B>, context: HandlerContext) => Awaitable<void>
    : T extends HttpTrigger
      ? (request: Request, context: HandlerContext) => Awaitable<Response>
      : T extends ScheduleTrigger
        ? (event: ScheduleEvent, context: HandlerContext) => Awaitable<void>
        : never;

/** One function: a trigger, a handler and its settings. */
export interface FunctionOptions<T extends Trigger = Trigger> {
  trigger: T;
  handler: HandlerFor<T>;
  /**
   * Buckets and queues the handler reads or writes beyond its trigger; deploy grants access to
   * them and binds them for the function.
   */
  // biome-ignore lint/suspicious/noExplicitAny: handler parameters are contravariant
  uses?: ReadonlyArray<BucketRef | QueueRef<any>>;
  /** Where the dead-letter outcome sends events, with their reason. */
  deadLetter?: QueueRef<DeadLetterRecord>;
  /** Seconds an invocation may run. Defaults to 60. */
  timeoutSeconds?: number;
  /** Memory for the function on platforms that size it. Defaults to 512. */
  memoryMb?: number;
}

/** A function as it stands in a pipeline, with its name. */
export interface PipelineFunction<T extends Trigger = Trigger> extends FunctionOptions<T> {
  name: string;
  timeoutSeconds: number;
  memoryMb: number;
}

/** The buckets and queues a pipeline uses, by logical name. */
export interface PipelineResources {
  buckets: Map<string, BucketRef>;
  queues: Map<string, QueueRef<unknown>>;
}

/** A named set of functions, each one trigger and one handler. */
export interface Pipeline {
  name: string;
  functions: ReadonlyMap<string, PipelineFunction>;
  /** Every bucket and queue the triggers, `uses` lists and dead-letter bindings name. */
  resources(): PipelineResources;
}

const FUNCTION_OPTIONS = ['trigger', 'handler', 'uses', 'deadLetter', 'timeoutSeconds', 'memoryMb'];
/** Cloud Run functions' HTTP limit, the longest of the three clouds. */
const MAX_TIMEOUT_SECONDS = 3600;
/** Cloud Run functions' 32 GiB, the most of the three clouds. */
const MAX_MEMORY_MB = 32_768;

/**
 * Declares one function; the handler's event type follows from the trigger.
 *
 * @example
 * const parse = defineFunction({
 *   trigger: onObjectCreated(uploads, { suffix: '.csv' }),
 *   handler: async (event, context) => context.logger.info('new file', { key: event.key }),
 * });
 */
export function defineFunction<T extends Trigger>(options: FunctionOptions<T>): FunctionOptions<T> {
  return options;
}

/**
 * Declares a pipeline from named functions; every name is checked against the portable grammar.
 *
 * @example
 * export default definePipeline('csv-etl', { parse, aggregate });
 */
export function definePipeline<T extends Record<string, Trigger>>(
  name: string,
  functions: { [K in keyof T]: FunctionOptions<T[K]> },
): Pipeline {
  assertName('pipeline', name);
  const entries = Object.entries(functions) as Array<[string, FunctionOptions<Trigger>]>;
  if (entries.length === 0) {
    throw new InvalidConfigError(`Pipeline ${JSON.stringify(name)} declares no functions.`);
  }
  const map = new Map<string, PipelineFunction>();
  for (const [fnName, options] of entries) {
    assertName('function', fnName);
    assertQualifiedName('function', name, fnName);
    map.set(fnName, toPipelineFunction(name, fnName, options));
  }
  const pipeline: Pipeline = { name, functions: map, resources: () => listResources(pipeline) };
  const { buckets, queues } = pipeline.resources();
  for (const resource of buckets.keys()) assertQualifiedName('bucket', name, resource);
  for (const resource of queues.keys()) assertQualifiedName('queue', name, resource);

  return pipeline;
}

/** True when `value` looks like a pipeline made by {@link definePipeline}. */
export function isPipeline(value: unknown): value is Pipeline {
  const candidate = value as Partial<Pipeline> | null;

  return typeof candidate?.name === 'string' && candidate.functions instanceof Map;
}

function toPipelineFunction(
  pipeline: string,
  name: string,
  // biome-ignore lint/suspicious/noExplicitAny: handler parameters are contravariant
  options: FunctionOptions<any>,
): PipelineFunction {
  if (!options || typeof options.handler !== 'function' || !options.trigger) {
    throw new InvalidConfigError(
      `Function ${JSON.stringify(name)} of pipeline ${JSON.stringify(pipeline)} needs a trigger ` +
        'and a handler function.',
    );
  }
  const what = `Function ${JSON.stringify(name)} of pipeline ${JSON.stringify(pipeline)}`;
  checkOptionKeys(what, options, FUNCTION_OPTIONS);
  const timeoutSeconds = options.timeoutSeconds ?? 60;
  const memoryMb = options.memoryMb ?? 512;
  // The most any provider allows; deploy checks the chosen provider's own limits.
  checkWholeNumber(`${what}: timeoutSeconds`, timeoutSeconds, 1, MAX_TIMEOUT_SECONDS);
  checkWholeNumber(`${what}: memoryMb`, memoryMb, 128, MAX_MEMORY_MB);
  if (options.uses !== undefined && !Array.isArray(options.uses)) {
    throw new InvalidConfigError(`${what}: uses must be an array of buckets and queues.`);
  }
  for (const ref of [...(options.uses ?? []), options.deadLetter]) {
    if (ref === undefined || ref?.kind === 'bucket' || ref?.kind === 'queue') continue;
    throw new InvalidConfigError(
      `${what} names something that is neither a bucket() nor a queue() in uses or deadLetter.`,
    );
  }
  if (options.deadLetter !== undefined && options.deadLetter.kind !== 'queue') {
    throw new InvalidConfigError(`${what}: deadLetter must be a queue(), not a bucket.`);
  }

  return { ...options, name, timeoutSeconds, memoryMb };
}

function listResources(pipeline: Pipeline): PipelineResources {
  const buckets = new Map<string, BucketRef>();
  const queues = new Map<string, QueueRef<unknown>>();
  const addQueue = (ref: QueueRef<unknown>) => {
    const known = queues.get(ref.name);
    if (known && known.body !== ref.body) {
      throw new InvalidConfigError(
        `Queue ${JSON.stringify(ref.name)} is declared twice with different bodies ` +
          `(${known.body} and ${ref.body}); declare it once and share it.`,
      );
    }
    queues.set(ref.name, ref);
  };
  for (const fn of pipeline.functions.values()) {
    if (fn.trigger.kind === 'object') buckets.set(fn.trigger.bucket.name, fn.trigger.bucket);
    if (fn.trigger.kind === 'queue') addQueue(fn.trigger.queue);
    if (fn.deadLetter) addQueue(fn.deadLetter);
    for (const ref of fn.uses ?? []) {
      if (ref.kind === 'bucket') buckets.set(ref.name, ref);
      else addQueue(ref);
    }
  }

  return { buckets, queues };
}
