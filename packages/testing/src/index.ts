export {
  type AdapterConformanceOptions,
  type AdapterHarness,
  adapterConformance,
  conformancePipeline,
  type MessageFact,
  type ObjectFact,
  type PlatformOutcome,
} from './adapter-suite.js';
export {
  type QueueConformanceOptions,
  type QueueSuiteSettings,
  queueConformance,
} from './queue-suite.js';
export type { TestFn, TestRunner } from './runner.js';
export {
  DEFAULT_LARGE_OBJECT_BYTES,
  MAX_STREAM_RSS_GROWTH,
  type StoreConformanceOptions,
  storeConformance,
} from './store-suite.js';
