export {
  createGcpAdapter,
  type GcpAdapterOptions,
  type GcpInput,
  type GcpOutput,
} from './adapter.js';
export { GCP_CAPABILITIES } from './capabilities.js';
export { type ClientSource, createPubSubClient, createStorageClient } from './clients.js';
export { createCloudLogger, parseTrace, type TraceContext, traceFields } from './logging.js';
export { createPubSubQueue, type PubSubQueueOptions } from './queue/pubsub.js';
export { PUBSUB_CLIENT_MAX_BATCH_BYTES, PUBSUB_QUEUE_LIMITS } from './queue/pubsub-limits.js';
export {
  createPubSubPullQueue,
  type PubSubPullQueue,
  type PubSubPullQueueOptions,
} from './queue/pubsub-pull.js';
export {
  type CloudEventFunction,
  entryPointOf,
  type FunctionRegistry,
  type GcpRegistration,
  type HttpFunction,
  type RegisterOptions,
  registerFunctions,
} from './register.js';
export { createGcpResolver, type GcpClientOptions } from './resolver.js';
export { type Crc32cValidator, crc32c, createCrc32cValidator } from './storage/crc32c.js';
export { createGcsStore, type GcsStoreOptions, toObjectInfo } from './storage/gcs.js';
export { type CloudEventLike, MESSAGE_PUBLISHED, toCloudEvent } from './triggers/cloud-event.js';
export {
  type CloudSchedulerJob,
  type CloudSchedulerSchedule,
  SCHEDULER_TIME_ZONE,
  toCloudSchedulerJob,
  toCloudSchedulerSchedule,
} from './triggers/cloud-scheduler.js';
export type { FrameworkRequest } from './triggers/http.js';
export { generationOf, STORAGE_EVENT_TYPES } from './triggers/object-storage.js';
export { SCHEDULE_FUNCTION_ATTRIBUTE, scheduleTopicVariable } from './triggers/schedule.js';
