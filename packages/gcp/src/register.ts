import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import {
  type Adapter,
  type Bindings,
  CloudportError,
  InvalidConfigError,
  invoke,
  isCloudportError,
  type Logger,
  type LogLevel,
  type Pipeline,
  type PipelineFunction,
  type ResourceResolver,
  readBindings,
  resolveLogger,
  type ScheduleTrigger,
  setDefaultResolver,
} from '@cloudport/core';
import { createGcpAdapter, type GcpInput, type GcpOutput } from './adapter.js';
import { PROVIDER } from './errors.js';
import { createCloudLogger, parseTrace, traceFields } from './logging.js';
import type { GcpClientOptions } from './resolver.js';
import {
  type CloudSchedulerSchedule,
  toCloudSchedulerSchedule,
} from './triggers/cloud-scheduler.js';
import {
  type FrameworkRequest,
  routeStatus,
  toWebRequest,
  writeWebResponse,
} from './triggers/http.js';

/** A registered CloudEvent function: resolves to acknowledge, rejects to fail the event. */
export type CloudEventFunction = (cloudEvent: unknown) => Promise<void>;
/** A registered HTTP function, taking the framework's Express request and response. */
export type HttpFunction = (req: FrameworkRequest, res: ServerResponse) => Promise<void>;

/** The two registration calls of functions-framework that the adapter uses. */
export interface FunctionRegistry {
  http(name: string, handler: HttpFunction): void;
  cloudEvent(name: string, handler: CloudEventFunction): void;
}

/** Options of {@link registerFunctions}. */
export interface RegisterOptions extends GcpClientOptions {
  /** Read once, now; defaults to `process.env`. */
  env?: Record<string, string | undefined>;
  /** Where logs go; `false` for none. Defaults to JSON lines on standard output. */
  logger?: Logger | false;
  /** Lowest level logged; defaults to `CLOUDPORT_LOG_LEVEL`, else `info`. */
  logLevel?: LogLevel;
  /** Project of the trace field in logs; defaults to `GOOGLE_CLOUD_PROJECT`. */
  projectId?: string;
  /** Registers only these functions; defaults to every function of the pipeline. */
  functions?: readonly string[];
  /** Runs handlers against this resolver instead of the stores and queues of the bindings. */
  resolver?: ResourceResolver;
  /** Registers with this instead of `@google-cloud/functions-framework`. */
  registry?: FunctionRegistry;
}

/** What {@link registerFunctions} registered. */
export interface GcpRegistration {
  /** The entry point of each function, by function name: the function's own name. */
  entryPoints: ReadonlyMap<string, string>;
  /** The registered functions, by entry point, to call directly (in tests and benchmarks). */
  functions: ReadonlyMap<string, CloudEventFunction | HttpFunction>;
  /** The Cloud Scheduler `schedule` and `timeZone` of each schedule function, by function name. */
  schedules: ReadonlyMap<string, CloudSchedulerSchedule>;
  adapter: Adapter<GcpInput, GcpOutput>;
  resolver: ResourceResolver;
  bindings: Bindings;
}

// functions-framework's own rule for names (function_registry.ts); every name of the portable
// grammar (3 to 30 of [a-z0-9-], starting with a letter, no trailing hyphen) satisfies it.
const ENTRY_POINT = /^[A-Za-z](?:[-_A-Za-z0-9]{0,61}[A-Za-z0-9])?$/;
const LEVELS: ReadonlySet<string> = new Set(['debug', 'info', 'warn', 'error']);

/**
 * The entry point (functions-framework target) of a function: its own name, which the portable
 * name grammar keeps valid there. Deploy passes it as the function's `entryPoint`.
 */
export function entryPointOf(functionName: string): string {
  if (ENTRY_POINT.test(functionName)) return functionName;

  throw new InvalidConfigError(
    `Function name ${JSON.stringify(functionName)} is not a valid functions-framework entry point.`,
    { provider: PROVIDER },
  );
}

/**
 * Registers a pipeline's functions with functions-framework, one entry point per function named
 * as the function: object, queue and schedule triggers as `cloudEvent` functions, HTTP triggers
 * as `http` functions. Configuration is read once, here: the bindings (`CLOUDPORT_*`), the log
 * level and the project. Clients are created on first use, each SDK loaded only then. Each
 * schedule is translated for Cloud Scheduler here too: a rate with no cron form raises
 * `INVALID_CONFIG`, and one without an exact form logs a warning.
 *
 * @example
 * // index.js, the deployed source's main module
 * import { registerFunctions } from '@cloudport/gcp';
 * import pipeline from './pipeline.js';
 * registerFunctions(pipeline); // entry points: 'parse', 'aggregate', ...
 */
export function registerFunctions(
  pipeline: Pipeline,
  options: RegisterOptions = {},
): GcpRegistration {
  const env = options.env ?? process.env;
  const bindings = readBindings(env);
  const adapter = createGcpAdapter({ ...options, bindings });
  const resolver = adapter.bind(pipeline);
  const level = options.logLevel ?? levelOf(bindings.variables.get('CLOUDPORT_LOG_LEVEL'));
  const logger = resolveLogger(options.logger, () => createCloudLogger({ level }));
  const projectId = options.projectId ?? env.GOOGLE_CLOUD_PROJECT ?? env.GCLOUD_PROJECT;
  const registry = options.registry ?? loadFramework();
  const entryPoints = new Map<string, string>();
  const functions = new Map<string, CloudEventFunction | HttpFunction>();
  const schedules = new Map<string, CloudSchedulerSchedule>();
  const nextId = invocationIds();
  const context: Context = { pipeline, adapter, resolver, logger, projectId, nextId };
  for (const fn of selected(pipeline, options.functions)) {
    const entryPoint = entryPointOf(fn.name);
    if (fn.trigger.kind === 'http') {
      const handler = httpFunction(context, fn);
      registry.http(entryPoint, handler);
      functions.set(entryPoint, handler);
    } else {
      if (fn.trigger.kind === 'schedule') {
        schedules.set(fn.name, scheduleOf(fn as PipelineFunction<ScheduleTrigger>, logger));
      }
      const handler = cloudEventFunction(context, fn);
      registry.cloudEvent(entryPoint, handler);
      functions.set(entryPoint, handler);
    }
    entryPoints.set(fn.name, entryPoint);
  }
  setDefaultResolver(resolver);

  return { entryPoints, functions, schedules, adapter, resolver, bindings };
}

function scheduleOf(fn: PipelineFunction<ScheduleTrigger>, logger: Logger): CloudSchedulerSchedule {
  const translated = toCloudSchedulerSchedule(fn.trigger.schedule);
  if (!translated.exact) {
    logger.warn('the schedule has no exact Cloud Scheduler form; it restarts at each boundary', {
      function: fn.name,
      schedule: fn.trigger.schedule.expression,
      cron: translated.schedule,
    });
  }

  return translated;
}

interface Context {
  pipeline: Pipeline;
  adapter: Adapter<GcpInput, GcpOutput>;
  resolver: ResourceResolver;
  logger: Logger;
  projectId: string | undefined;
  /** The id of an invocation the platform gives none. */
  nextId: () => string;
}

/** The adapter as a CloudEvent function runs it: encoding to nothing, or to a thrown failure. */
type EventCodec = Pick<Adapter<GcpInput, undefined>, 'decode' | 'encode'>;

/**
 * What the codec throws for an event that is not acknowledged, carrying the framework's answer;
 * it tells that failure apart from input that could not be decoded at all.
 */
class EventFailure {
  constructor(readonly answer: unknown) {}
}

// The registered functions hand the promise of invoke() to the framework as it is: the framework
// runs every request in a domain, which hooks each promise, so every promise spared here is time
// saved on every event.
function cloudEventFunction(context: Context, fn: PipelineFunction): CloudEventFunction {
  const { adapter, nextId, pipeline, projectId, resolver } = context;
  const base = context.logger.child({ function: fn.name });
  const codec: EventCodec = {
    decode: adapter.decode,
    encode: (target, settled) => acknowledge(adapter.encode(target, settled)),
  };
  const refuseBase = refuser(base);

  return (cloudEvent) => {
    const trace = parseTrace((cloudEvent as { traceparent?: unknown } | null)?.traceparent);
    const logger = trace ? base.child(traceFields(trace, projectId)) : base;
    const input: GcpInput = { kind: 'cloudevent', event: cloudEvent };

    return invoke({
      adapter: codec,
      pipeline,
      fn,
      input,
      resolver,
      logger,
      invocationId: nextId(),
      onFailure: trace ? refuser(logger) : refuseBase,
    });
  };
}

/** Nothing for an acknowledged event; otherwise throws, so that the framework answers 500. */
function acknowledge(output: GcpOutput): undefined {
  if (!output.acknowledged) throw new EventFailure(answerOf(output.error));

  return undefined;
}

/** Answers an invocation that failed as a whole, logging it when the input was refused. */
function refuser(logger: Logger): (error: unknown, invocationId: string) => never {
  return (error, invocationId) => {
    if (error instanceof EventFailure) throw error.answer;
    // Input that is no CloudEvent, or a binding that is missing: nothing ran.
    const code = isCloudportError(error) ? error.code : undefined;
    logger.error('invocation refused', { invocationId, code, error });
    throw answerOf(error);
  };
}

function httpFunction(context: Context, fn: PipelineFunction): HttpFunction {
  const { adapter, pipeline, projectId, resolver } = context;
  const base = context.logger.child({ function: fn.name });
  const trigger = fn.trigger as Extract<PipelineFunction['trigger'], { kind: 'http' }>;

  return async (req, res) => {
    const method = req.method ?? 'GET';
    const path = new URL(req.originalUrl ?? req.url ?? '/', 'http://function').pathname;
    const status = routeStatus(trigger, method, path);
    if (status !== 200) {
      const allow = status === 405 ? { allow: trigger.method } : {};
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...allow });
      res.end(status === 404 ? 'Not Found\n' : 'Method Not Allowed\n');
      return;
    }
    const header = req.headers.traceparent ?? req.headers['x-cloud-trace-context'];
    const trace = parseTrace(header);
    const logger = trace ? base.child(traceFields(trace, projectId)) : base;
    const id = req.executionId ?? context.nextId();
    const input: GcpInput = { kind: 'http', id, request: () => toWebRequest(req) };
    const signal = req.abortController?.signal;
    const onFailure = refuser(logger);
    const options = { adapter, pipeline, fn, input, resolver, logger, invocationId: id, onFailure };
    const output = await invoke(signal ? { ...options, signal } : options);
    const response = output.response;
    if (!(response instanceof Response)) {
      if (output.acknowledged) logger.error('the handler returned no Response', { id });
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('Internal Server Error\n');
      return;
    }
    await writeWebResponse(response, res, method);
  };
}

/**
 * The error handed to functions-framework, which answers 500 with its message as the body
 * (outside production): a cloudport error's message then starts with its stable code.
 */
function answerOf(error: unknown): unknown {
  if (!isCloudportError(error)) return error;

  return new CloudportError(error.code, `${error.code}: ${error.message}`, {
    provider: error.provider ?? PROVIDER,
    cause: error,
  });
}

/**
 * Invocation ids for the invocations that come with none (functions-framework hands a CloudEvent
 * function no execution id): a random id of this instance, then a sequence number. Unique like a
 * UUID per invocation, at a fraction of its cost.
 */
function invocationIds(): () => string {
  const instance = randomUUID();
  let sequence = 0;

  return () => `${instance}-${++sequence}`;
}

function selected(pipeline: Pipeline, names: readonly string[] | undefined): PipelineFunction[] {
  if (names === undefined) return [...pipeline.functions.values()];

  return names.map((name) => {
    const fn = pipeline.functions.get(name);
    if (fn) return fn;
    throw new InvalidConfigError(
      `Pipeline ${pipeline.name} has no function ${JSON.stringify(name)} to register.`,
      { provider: PROVIDER },
    );
  });
}

function levelOf(value: string | undefined): LogLevel {
  return value !== undefined && LEVELS.has(value) ? (value as LogLevel) : 'info';
}

// functions-framework is CommonJS: required here, on first registration, so that importing this
// package for its store or queue alone does not load it.
function loadFramework(): FunctionRegistry {
  try {
    return createRequire(import.meta.url)('@google-cloud/functions-framework') as FunctionRegistry;
  } catch (cause) {
    throw new InvalidConfigError(
      '@google-cloud/functions-framework could not be loaded; install it beside @cloudport/gcp.',
      { provider: PROVIDER, cause },
    );
  }
}
