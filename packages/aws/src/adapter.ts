import type {
  Adapter,
  Bindings,
  Pipeline,
  PipelineFunction,
  ResourceResolver,
} from '@cloudport/core';
import { type AwsClientOptions, createAwsResolver, createBindingView } from './binding.js';
import { AWS_CAPABILITIES } from './capabilities.js';
import { type AwsOutput, createCodec, type FunctionCodec } from './codec.js';

export type { AwsOutput } from './codec.js';

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
  const codecs = new WeakMap<PipelineFunction, FunctionCodec>();
  const codecOf = (fn: PipelineFunction) => {
    let codec = codecs.get(fn);
    if (codec === undefined) {
      codec = createCodec(fn, view);
      codecs.set(fn, codec);
    }
    return codec;
  };
  let resolver = options.resolver;

  return {
    name: 'aws',
    capabilities: AWS_CAPABILITIES,
    decode: (fn, input) => codecOf(fn).decode(fn, input),
    encode: (fn, settled) => codecOf(fn).encode(fn, settled),
    bind() {
      resolver ??= createAwsResolver(options.bindings, options);
      return resolver;
    },
  };
}
