import type {
  Adapter,
  Bindings,
  Decoded,
  HttpTrigger,
  ObjectTrigger,
  Pipeline,
  PipelineFunction,
  QueueTrigger,
  ResourceResolver,
  ScheduleTrigger,
  Settled,
} from '@cloudport/core';
import { type AwsClientOptions, createAwsResolver, createBindingView } from './binding.js';
import { AWS_CAPABILITIES } from './capabilities.js';
import type { LambdaResult } from './events.js';
import { decodeHttpEvent, encodeHttpResult } from './triggers/http.js';
import { decodeObjectEvent } from './triggers/object-storage.js';
import { decodeQueueEvent, encodeQueueResult } from './triggers/queue.js';
import { decodeScheduleEvent } from './triggers/schedule.js';
import { throwIfFailed } from './triggers/shared.js';

/** What an AWS adapter encodes: the Lambda result, or a promise of it for HTTP responses. */
export type AwsOutput = LambdaResult | Promise<LambdaResult>;

/** Options of {@link createAwsAdapter}. */
export interface AwsAdapterOptions extends AwsClientOptions {
  pipeline: Pipeline;
  /** The deployment's bindings, read once at cold start with the core's `readBindings`. */
  bindings: Bindings;
  /** Binds resources another way; by default, S3 stores and SQS queues by the bindings. */
  resolver?: ResourceResolver;
}

/**
 * The AWS adapter: decodes S3, SQS, HTTP API and EventBridge events for a function's trigger,
 * and encodes the outcomes as Lambda expects them (a thrown error for failed object and
 * schedule events, `batchItemFailures` for SQS, the HTTP result for HTTP).
 *
 * @example
 * const adapter = createAwsAdapter({ pipeline, bindings: readBindings() });
 * const result = await invoke({ adapter, pipeline, fn, input: event, ... });
 */
export function createAwsAdapter(options: AwsAdapterOptions): Adapter<unknown, AwsOutput> {
  const view = createBindingView(options.pipeline, options.bindings);
  let resolver = options.resolver;

  return {
    name: 'aws',
    capabilities: AWS_CAPABILITIES,
    decode(fn, input): Decoded[] {
      switch (fn.trigger.kind) {
        case 'queue':
          return decodeQueueEvent(fn as PipelineFunction<QueueTrigger>, input, view);
        case 'object':
          return decodeObjectEvent(fn as PipelineFunction<ObjectTrigger>, input, view);
        case 'http':
          return decodeHttpEvent(fn as PipelineFunction<HttpTrigger>, input);
        case 'schedule':
          return decodeScheduleEvent(fn as PipelineFunction<ScheduleTrigger>, input);
      }
    },
    encode(fn, settled: Settled[]): AwsOutput {
      switch (fn.trigger.kind) {
        case 'queue':
          return encodeQueueResult(fn, settled);
        case 'http':
          return encodeHttpResult(settled);
        default:
          return throwIfFailed(fn, settled);
      }
    },
    bind() {
      resolver ??= createAwsResolver(options.bindings, options);
      return resolver;
    },
  };
}
