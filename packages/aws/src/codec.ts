import type {
  Decoded,
  HttpTrigger,
  ObjectTrigger,
  PipelineFunction,
  QueueTrigger,
  ScheduleTrigger,
  Settled,
} from '@cloudport/core';
import type { AwsBindingView } from './binding.js';
import type { LambdaResult } from './events.js';
import { decodeHttpEvent, encodeHttpResult } from './triggers/http.js';
import { createObjectDecoder } from './triggers/object-storage.js';
import { createQueueDecoder, encodeQueueResult } from './triggers/queue.js';
import { decodeScheduleEvent } from './triggers/schedule.js';
import { throwIfFailed } from './triggers/shared.js';

/** What an AWS adapter encodes: the Lambda result, or a promise of it for HTTP responses. */
export type AwsOutput = LambdaResult | Promise<LambdaResult>;

/** The decoding and encoding of one function's Lambda events, prepared once at cold start. */
export interface FunctionCodec {
  decode(fn: PipelineFunction, input: unknown): Decoded[];
  encode(fn: PipelineFunction, settled: Settled[]): AwsOutput;
}

/**
 * Prepares the codec of one function by its trigger: S3, SQS, HTTP API or EventBridge events
 * in; a thrown error for failed object and schedule events, `batchItemFailures` for SQS, the
 * HTTP result for HTTP out.
 */
export function createCodec(fn: PipelineFunction, view: AwsBindingView): FunctionCodec {
  switch (fn.trigger.kind) {
    case 'queue': {
      const decode = createQueueDecoder(fn as PipelineFunction<QueueTrigger>, view);
      return { decode: (_fn, input) => decode(input), encode: encodeQueueResult };
    }
    case 'object': {
      const decode = createObjectDecoder(fn as PipelineFunction<ObjectTrigger>, view);
      return { decode: (_fn, input) => decode(input), encode: throwIfFailed };
    }
    case 'http':
      return {
        decode: (_fn, input) => decodeHttpEvent(fn as PipelineFunction<HttpTrigger>, input),
        encode: (_fn, settled) => encodeHttpResult(settled),
      };
    case 'schedule':
      return {
        decode: (_fn, input) => decodeScheduleEvent(fn as PipelineFunction<ScheduleTrigger>, input),
        encode: throwIfFailed,
      };
  }
}
