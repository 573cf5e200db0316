export {
  type AdapterConformanceOptions,
  type AdapterHarness,
  adapterConformance,
  conformancePipeline,
  type ExhaustedObjectEvent,
  type MessageFact,
  type ObjectFact,
  type PlatformOutcome,
} from './adapter-suite.js';
export { liveBytes, type MemoryTracker, trackLiveMemory } from './memory.js';
export type { AnyQueue, QueueSuiteSettings, SentBatch } from './queue-context.js';
export { type QueueConformanceOptions, queueConformance } from './queue-suite.js';
export type { TestFn, TestRunner } from './runner.js';
export type { SignedPut } from './store-features.js';
export { AWKWARD_KEYS } from './store-keys.js';
export { MAX_STREAM_MEMORY_GROWTH, type StreamMemoryBound } from './store-streaming.js';
export {
  DEFAULT_LARGE_OBJECT_BYTES,
  type StoreConformanceOptions,
  storeConformance,
} from './store-suite.js';
