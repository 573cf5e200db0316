export type { Adapter, AdapterDeployment, Decoded, Settled } from './adapter.js';
export {
  BINDING_PREFIX,
  type BindingKind,
  type Bindings,
  bindingEnvironment,
  bindingVariable,
  readBindings,
} from './binding.js';
export {
  type BodyKind,
  type BodyOf,
  decodeBody,
  decodeBodyFromText,
  encodeBody,
  encodeBodyAsText,
} from './body.js';
export {
  type CapabilityDeclaration,
  FEATURES,
  type FeatureId,
  type FeatureSupport,
  type PlannedColumn,
  renderCapabilityTable,
  type SupportLevel,
  supportOf,
  supports,
} from './capabilities.js';
export type { HandlerContext } from './context.js';
export {
  CRON_DAY_NAMES,
  CRON_FIELD_RANGES,
  CRON_MONTH_NAMES,
  type CronFieldRange,
  type CronItem,
  cronItems,
  cronItemValues,
  cronRuns,
} from './cron-items.js';

export {
  CloudportError,
  type CloudportErrorOptions,
  type ErrorCode,
  InvalidConfigError,
  InvalidEventError,
  InvalidKeyError,
  InvalidMessageError,
  InvalidNameError,
  isCloudportError,
  MessageTooLargeError,
  ObjectNotFoundError,
  PreconditionFailedError,
  ProviderError,
  type ProviderName,
  UnsupportedError,
} from './errors.js';
export {
  type MessageEvent,
  type NeutralEvent,
  type ObjectEvent,
  type ScheduleEvent,
  toJsonEvent,
} from './events.js';
export {
  createInvoker,
  type Invocation,
  type InvokeOptions,
  type InvokerOptions,
  invoke,
  runUnits,
} from './invoke.js';
export { type LoadedHandler, lazyHandler } from './lazy.js';
export {
  AWS_LIMITS,
  AZURE_LIMITS,
  type Bounds,
  type FunctionLimits,
  GCP_LIMITS,
  type LimitProfile,
  PROVIDER_LIMITS,
  type ProviderLimits,
  type QueueLimits,
  type StoreLimits,
} from './limits.js';
export {
  createJsonLogger,
  type JsonLoggerOptions,
  type LogFields,
  type Logger,
  type LogLevel,
  resolveLogger,
  silentLogger,
} from './logger.js';
export {
  assertName,
  assertQualifiedName,
  isValidName,
  NAME_MAX_LENGTH,
  NAME_MIN_LENGTH,
  type NameKind,
  QUALIFIED_NAME_MAX_LENGTH,
} from './names.js';
export {
  DeadLetterError,
  type DeadLetterRecord,
  deadLetter,
  type Outcome,
  outcomeOfError,
} from './outcomes.js';
export {
  defineFunction,
  definePipeline,
  type FunctionOptions,
  type HandlerFor,
  isPipeline,
  type Pipeline,
  type PipelineFunction,
  type PipelineResources,
} from './pipeline.js';
export type {
  ConsumableQueue,
  DeadLetter,
  MessageQueue,
  ReceivedMessage,
  ReceiveOptions,
  SendEntry,
  SendOptions,
  SendResult,
} from './queue.js';
export { LatestReceipts, type StaleReceiptContext } from './receipts.js';
export {
  currentResolver,
  type ResourceResolver,
  runWithResolver,
  setDefaultResolver,
  withResolver,
} from './resolver.js';
export { BucketRef, bucket, type QueueOptions, QueueRef, queue } from './resources.js';
export {
  type CronFields,
  nextFireTime,
  parseSchedule,
  type RateUnit,
  type Schedule,
} from './schedule.js';
export {
  type ByteRange,
  type GetOptions,
  type ListOptions,
  type ListPage,
  listAll,
  type ObjectContent,
  type ObjectInfo,
  type ObjectStore,
  type PutData,
  type PutOptions,
  type PutResult,
  readAll,
  type SignedUrlOptions,
} from './store.js';
export { createIsoFormatter } from './time.js';
export {
  type HttpMethod,
  type HttpTrigger,
  type MessageTriggerOptions,
  matchesFilter,
  matchesPath,
  type ObjectFilter,
  type ObjectTrigger,
  onHttp,
  onMessage,
  onObjectCreated,
  onObjectDeleted,
  onSchedule,
  type QueueTrigger,
  type ScheduleTrigger,
  type Trigger,
} from './triggers.js';
