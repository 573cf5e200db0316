export {
  LOCAL_CAPABILITIES,
  type LocalCapabilityOptions,
  localCapabilities,
} from './capabilities.js';
export {
  DEDUPLICATION_WINDOW_MS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_VISIBILITY_TIMEOUT_SECONDS,
  type LocalQueue,
  type LocalQueueOptions,
  openLocalQueue,
  type QueueCounts,
} from './queue/index.js';
export { createLocalAdapter, type LocalInput } from './runtime/adapter.js';
export { FAULT_VARIABLE, type FaultPoint } from './runtime/faults.js';
export { createLocalRuntime, EVENT_MAX_ATTEMPTS, wipeRoot } from './runtime/runtime.js';
export type {
  DeadLetterEntry,
  DeadLetterSummary,
  DevOptions,
  DevSession,
  DrainOptions,
  FunctionSummary,
  InvocationRecord,
  LocalRuntime,
  LocalRuntimeOptions,
  Progress,
  RunSummary,
} from './runtime/types.js';
export { SPARE_FILES_LIMIT, SpareFiles } from './spare-files.js';
export {
  createFileStore,
  type FileStore,
  type FileStoreHooks,
  type FileStoreOptions,
  isStoreEntry,
  type StoreChange,
} from './store/file-store.js';
