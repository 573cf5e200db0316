export { type AwsAdapterOptions, type AwsOutput, createAwsAdapter } from './adapter.js';
export {
  type AwsBindingView,
  type AwsClientOptions,
  createAwsResolver,
  createBindingView,
  queueNameOf,
} from './binding.js';
export { AWS_CAPABILITIES } from './capabilities.js';
export {
  type HttpEventV2,
  type HttpResultV2,
  type LambdaContext,
  type LambdaEvent,
  type LambdaResult,
  type S3Notification,
  type S3NotificationRecord,
  SCHEDULER_INPUT,
  type ScheduledRuleEvent,
  type SchedulerInput,
  type SqsBatch,
  type SqsBatchResult,
  type SqsRecord,
  type SqsRecordAttribute,
} from './events.js';
export { createHandler, type HandlerOptions, type LambdaHandler } from './handler.js';
export {
  DEAD_LETTER_ATTRIBUTE,
  EMPTY_BODY_ATTRIBUTE,
  EMPTY_STRING_TYPE,
  RESERVED_ATTRIBUTE_PREFIX,
} from './queue/attributes.js';
export { createSqsQueue, type SqsQueueOptions } from './queue/sqs.js';
export {
  type RefusedEntry,
  type SentEntry,
  SqsBatchSendError,
} from './queue/sqs-batch-error.js';
export { MAX_SEND_ATTRIBUTES } from './queue/sqs-prepare.js';
export { toScheduleExpression } from './schedule-expression.js';
export { createS3Store, type S3Compatibility, type S3StoreOptions } from './storage/s3.js';
export { decodeS3Key } from './triggers/object-storage.js';
