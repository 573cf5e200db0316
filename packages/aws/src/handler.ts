import {
  createInvoker,
  createJsonLogger,
  type HttpTrigger,
  InvalidConfigError,
  type Invocation,
  invoke,
  isCloudportError,
  type Logger,
  type LogLevel,
  type Pipeline,
  type PipelineFunction,
  type ResourceResolver,
  readBindings,
  resolveLogger,
  setDefaultResolver,
} from '@cloudport/core';
import {
  type AwsClientOptions,
  checkFunctionBindings,
  createAwsResolver,
  createBindingView,
} from './binding.js';
import { randomId } from './builtins.js';
import { createCodec, type FunctionCodec } from './codec.js';
import type { LambdaContext, LambdaResult } from './events.js';
import { DeferredLogger } from './logger.js';
import { serverError, unmatchedRoute } from './triggers/http.js';

/** Options of {@link createHandler}. */
export interface HandlerOptions extends AwsClientOptions {
  /** Where bindings and the log level are read from, once. Defaults to `process.env`. */
  env?: Record<string, string | undefined>;
  /** Structured logger; `false` silences it. Defaults to JSON lines on standard output. */
  logger?: Logger | false;
  /** Binds resources another way; by default, S3 stores and SQS queues by the bindings. */
  resolver?: ResourceResolver;
}

/** A Lambda handler made by {@link createHandler}. */
export type LambdaHandler = (event: unknown, context?: LambdaContext) => Promise<LambdaResult>;

/** What every invocation of one handler shares, prepared at cold start. */
interface Prepared {
  pipeline: Pipeline;
  fn: PipelineFunction;
  codec: FunctionCodec;
  resolver: ResourceResolver;
  logger: Logger;
}

// Lambda's advanced logging controls set AWS_LAMBDA_LOG_LEVEL; CLOUDPORT_LOG_LEVEL wins over it.
const LOG_LEVELS: Record<string, LogLevel> = {
  trace: 'debug',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  error: 'error',
  fatal: 'error',
};

/**
 * Makes the Lambda handler of one function of a pipeline. Everything is read once, here, at
 * cold start: the bindings (`CLOUDPORT_*` variables), the log level and the function itself;
 * SDK clients are created on first use. An unbound trigger bucket or queue, or an unbound
 * dead-letter queue (unless `resolver` is given), throws `INVALID_CONFIG` here. Each call
 * decodes the event for the function's trigger, runs the handler once per unit and returns
 * what Lambda expects.
 *
 * @example
 * // functions/parse.ts, bundled as the Lambda function's entry point
 * import { createHandler } from '@cloudport/aws';
 * import pipeline from '../src/pipeline.js';
 * export const handler = createHandler(pipeline, 'parse');
 */
export function createHandler(
  pipeline: Pipeline,
  functionName: string,
  options: HandlerOptions = {},
): LambdaHandler {
  const fn = functionOf(pipeline, functionName);
  const env = options.env ?? process.env;
  const bindings = readBindings(env);
  // A resolver of the caller's own binds the dead-letter queue its own way.
  checkFunctionBindings(fn, bindings, options.resolver === undefined);
  const codec = createCodec(fn, createBindingView(pipeline, bindings));
  const resolver = options.resolver ?? createAwsResolver(bindings, options);
  const base = resolveLogger(options.logger, () => createJsonLogger({ level: logLevelOf(env) }));
  const logger = new DeferredLogger(base.child({ pipeline: pipeline.name, function: fn.name }));
  // One Lambda process runs one invocation at a time, so the handler's resolver can be the
  // default one; invoke() then skips the AsyncLocalStorage scope. A process hosting several
  // handlers (tests) scopes every handler but the default's owner.
  setDefaultResolver(resolver);
  const prepared: Prepared = { pipeline, fn, codec, resolver, logger };

  return fn.trigger.kind === 'http' ? httpHandler(prepared) : eventHandler(prepared);
}

/**
 * The handler of object, queue and schedule functions: the shared loop itself, so that it adds
 * no frame between Lambda and the user's handler (every frame makes each error thrown there
 * dearer to capture and to log).
 */
function eventHandler(prepared: Prepared): LambdaHandler {
  const { pipeline, fn, codec, resolver, logger } = prepared;

  return createInvoker({
    adapter: codec,
    pipeline,
    fn,
    resolver,
    logger,
    invocation: invocationOf,
    onFailure: (error: unknown, invocationId: string): never => {
      logger.error('invocation failed', { invocationId, error });
      throw error;
    },
  }) as LambdaHandler;
}

function invocationOf(context: LambdaContext | undefined): Invocation {
  const invocationId = context?.awsRequestId || randomId();

  return context === undefined ? { invocationId } : new LambdaInvocation(invocationId, context);
}

/** One object per call: the time left is asked of Lambda, which counts down its own deadline. */
class LambdaInvocation implements Invocation {
  readonly invocationId: string;
  private readonly context: LambdaContext;

  constructor(invocationId: string, context: LambdaContext) {
    this.invocationId = invocationId;
    this.context = context;
  }

  remainingTimeMs(): number {
    return this.context.getRemainingTimeInMillis();
  }
}

/** The handler of HTTP functions: 404 for other routes, 500 without details on failure. */
function httpHandler(prepared: Prepared): LambdaHandler {
  const { pipeline, fn, codec, resolver, logger } = prepared;
  const http = fn as PipelineFunction<HttpTrigger>;

  return async (event, context) => {
    const invocationId = context?.awsRequestId || randomId();
    try {
      const miss = unmatchedRoute(http, event);
      if (miss !== undefined) return miss;
      const remainingTimeMs = context && (() => context.getRemainingTimeInMillis());
      const options = { pipeline, fn, resolver, logger, invocationId, remainingTimeMs };
      return await invoke({ ...options, adapter: codec, input: event });
    } catch (error) {
      logger.error('invocation failed', { invocationId, error });
      if (!isCloudportError(error, 'INVALID_EVENT')) return serverError();
      throw error;
    }
  };
}

function functionOf(pipeline: Pipeline, name: string): PipelineFunction {
  const fn = pipeline.functions.get(name);
  if (fn) return fn;
  const known = [...pipeline.functions.keys()].join(', ');

  throw new InvalidConfigError(
    `Pipeline ${pipeline.name} has no function ${JSON.stringify(name)}; it has: ${known}.`,
    { provider: 'aws' },
  );
}

function logLevelOf(env: Record<string, string | undefined>): LogLevel {
  const value = (env.CLOUDPORT_LOG_LEVEL ?? env.AWS_LAMBDA_LOG_LEVEL ?? 'info').toLowerCase();

  return LOG_LEVELS[value] ?? 'info';
}
