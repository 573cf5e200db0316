import { getEventListeners } from 'node:events';
import functions, { type InvocationContext } from '@azure/functions';
import {
  type Adapter,
  createJsonLogger,
  type HttpTrigger,
  invoke,
  type Logger,
  type ObjectTrigger,
  type Pipeline,
  type PipelineFunction,
  type ResourceResolver,
  resolveLogger,
  type ScheduleTrigger,
  setDefaultResolver,
} from '@cloudport/core';
import { type AzureInvocation, createAzureAdapter } from './adapter.js';
import { contextLogger } from './logger.js';
import { type AzureClients, createAzureResolver } from './resolver.js';
import {
  type AzureSettings,
  functionSettings,
  readAzureSettings,
  type SettingsOptions,
} from './settings.js';
import { httpRegistration } from './triggers/http.js';
import { toNcrontab } from './triggers/ncrontab.js';
import { blobTriggerPath } from './triggers/object-storage.js';

/** A handler as registered with `app.*`: the trigger input and the invocation context. */
export type AzureHandler = (input: unknown, context: InvocationContext) => Promise<unknown>;

/** The `app.*` methods the adapter registers with; the v4 library's `app` by default. */
export type FunctionsApp = Pick<
  typeof functions.app,
  'eventGrid' | 'storageBlob' | 'serviceBusQueue' | 'http' | 'timer'
>;

/** One registration: the `app` method and the options it got, without the handler. */
export interface Registration {
  method: keyof FunctionsApp;
  options: Record<string, unknown>;
}

/** Options of {@link registerFunctions}; every field is optional. */
export interface RegisterOptions extends SettingsOptions {
  /** Where functions are registered. Defaults to the `app` of `@azure/functions`. */
  app?: FunctionsApp;
  /** Clients to use instead of creating them from the connection settings. */
  clients?: AzureClients;
  /** Binds resources another way; by default, Blob containers and Service Bus queues. */
  resolver?: ResourceResolver;
  /**
   * Where handler and adapter logs go: a logger, or `false` for none. By default each
   * invocation logs through its `InvocationContext`, so lines reach the host's logs, and
   * registration warns (a schedule without an exact NCRONTAB form) in JSON on standard error.
   */
  logger?: Logger | false;
}

/** What {@link registerFunctions} registered, for tests and for a graceful shutdown. */
export interface RegisteredFunctions {
  /** Each function's handler by function name, exactly as registered. */
  readonly handlers: ReadonlyMap<string, AzureHandler>;
  /** What each function was registered with, by function name. */
  readonly registrations: ReadonlyMap<string, Registration>;
  /** The resolver binding the pipeline's buckets and queues. */
  readonly resolver: ResourceResolver;
  /** Closes the Service Bus links and connection that were opened on first use. */
  close(): Promise<void>;
}

/**
 * Registers every function of a pipeline with the Azure Functions v4 programming model and
 * returns the handlers it registered: outside the Functions host the library only logs and
 * skips registration, so tests call the handlers from here. Configuration (bindings,
 * connection settings) is read once, now; SDK clients are created on first use.
 *
 * Triggers: object events through Event Grid (`app.eventGrid`) or, per function, the blob
 * trigger; queue messages through the Service Bus queue trigger, one message per invocation
 * unless `cardinality: 'many'`; HTTP with auth level `function` unless set otherwise; schedules
 * as NCRONTAB timers.
 *
 * @example
 * // src/functions.ts, the app's entry point (package.json "main")
 * import { registerFunctions } from '@cloudport/azure';
 * import pipeline from './pipeline.js';
 * registerFunctions(pipeline, { functions: { web: { authLevel: 'anonymous' } } });
 */
export function registerFunctions(
  pipeline: Pipeline,
  options: RegisterOptions = {},
): RegisteredFunctions {
  const settings = readAzureSettings(options);
  const owned = options.resolver ? undefined : createAzureResolver(settings, options.clients);
  const resolver = options.resolver ?? (owned as ResourceResolver);
  const containers = new Map<string, string>();
  const registrations = new Map<string, Registration>();
  const startup = resolveLogger(options.logger, startupLogger);
  for (const fn of pipeline.functions.values()) {
    registrations.set(fn.name, registrationOf(fn, settings, containers, startup));
  }
  const adapter = createAzureAdapter(settings, resolver, containers);
  const app = options.app ?? functions.app;
  const handlers = new Map<string, AzureHandler>();
  const signals = sharedSignal();
  const fixedLogger = options.logger === undefined ? undefined : loggerOf(options.logger);
  setDefaultResolver(resolver);
  // The handler returns the promise of invoke() as it is, with no async wrapper: the result is
  // encoded straight into what the handler resolves to, and a failure into its rejection.
  const codec: Pick<Adapter<AzureInvocation, unknown>, 'decode' | 'encode'> = {
    decode: adapter.decode,
    encode: (fn, settled) => {
      const result = adapter.encode(fn, settled);
      if (result.failure) throw result.failure;

      return result.response;
    },
  };
  for (const fn of pipeline.functions.values()) {
    const registration = registrations.get(fn.name) as Registration;
    const handler: AzureHandler = (input, context) =>
      invoke({
        adapter: codec,
        pipeline,
        fn,
        input: { input, context },
        resolver,
        logger: fixedLogger ?? contextLogger(context),
        invocationId: context.invocationId,
        signal: signals(),
      });
    const register = app[registration.method] as (name: string, options: object) => void;
    register.call(app, fn.name, { ...registration.options, handler });
    handlers.set(fn.name, handler);
  }

  return { handlers, registrations, resolver, close: async () => owned?.close() };
}

function registrationOf(
  fn: PipelineFunction,
  settings: AzureSettings,
  containers: Map<string, string>,
  logger: Logger,
): Registration {
  const own = functionSettings(settings, fn);
  const trigger = fn.trigger;
  if (trigger.kind === 'queue') {
    const queue = trigger.queue.name;
    const options: Record<string, unknown> = {
      connection: settings.serviceBus.setting,
      queueName: settings.bindings.physical('queue', queue),
      cardinality: own.cardinality,
      // Bytes as sent: without it the host hands over text, which the library JSON-parses.
      dataType: 'binary',
    };
    if (settings.queues[queue]?.sessions) options.isSessionsEnabled = true;
    return { method: 'serviceBusQueue', options };
  }
  if (trigger.kind === 'http') {
    return {
      method: 'http',
      options: { ...httpRegistration(fn as PipelineFunction<HttpTrigger>, own.authLevel) },
    };
  }
  if (trigger.kind === 'schedule') {
    const schedule = toNcrontab((fn as PipelineFunction<ScheduleTrigger>).trigger.schedule);
    if (!schedule.exact) {
      logger.warn('the schedule has no exact NCRONTAB form; it restarts at each boundary', {
        function: fn.name,
        schedule: trigger.schedule.expression,
        ncrontab: schedule.expression,
      });
    }
    return { method: 'timer', options: { schedule: schedule.expression } };
  }
  const container = settings.bindings.physical('bucket', trigger.bucket.name);
  containers.set(fn.name, container);
  if (own.objectSource !== 'blob-trigger') return { method: 'eventGrid', options: {} };
  const options: Record<string, unknown> = {
    path: blobTriggerPath(trigger as ObjectTrigger, container),
    connection: settings.storage.setting,
    dataType: 'binary',
  };
  if (own.blobSource) options.source = own.blobSource;

  return { method: 'storageBlob', options };
}

/**
 * The handlers' abort signal. Azure gives a Node.js worker no notice before a timeout (the
 * host restarts it), so nothing ever aborts it; and an AbortController per invocation costs
 * more than the rest of the adapter. Invocations therefore share one signal, replaced as soon
 * as a handler leaves a listener on it, so that listeners never pile up.
 */
function sharedSignal(): () => AbortSignal {
  let signal = new AbortController().signal;

  return () => {
    if (getEventListeners(signal, 'abort').length > 0) signal = new AbortController().signal;
    return signal;
  };
}

/**
 * Where registration writes without a `logger` option. There is no invocation yet to log
 * through, so lines go to standard error as JSON, which the worker passes to the host's logs.
 */
function startupLogger(): Logger {
  return createJsonLogger({
    fields: { adapter: 'azure' },
    write: (line) => process.stderr.write(`${line}\n`),
  });
}

function loggerOf(option: Logger | false): Logger {
  if (option !== false) return option;
  const silent: Logger = {
    debug: () => {},
    info: () => {},
    warn: () => {},
    error: () => {},
    child: () => silent,
  };

  return silent;
}
