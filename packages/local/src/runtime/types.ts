import type {
  LimitProfile,
  Logger,
  NeutralEvent,
  ObjectStore,
  Pipeline,
  QueueRef,
  ResourceResolver,
} from '@cloudport/core';
import type { LocalQueue } from '../queue/index.js';

/** Options of {@link createLocalRuntime}. */
export interface LocalRuntimeOptions {
  pipeline: Pipeline;
  /** Folder holding buckets and queues. Defaults to `.cloudport` in the working directory. */
  root?: string;
  /** Structured logger for runtime and handler logs; `false` silences them. */
  logger?: Logger | false;
  /** Enforce one provider's limits on stores and queues. */
  profile?: LimitProfile;
}

/** Counts of one function's events by outcome. */
export interface FunctionSummary {
  events: number;
  processed: number;
  retried: number;
  deadLettered: number;
}

/** One dead letter as the summary reports it. */
export interface DeadLetterSummary {
  function: string;
  /** Where it sits: the bound dead-letter queue, or the source queue's own dead letters. */
  queue: string;
  eventId: string;
  reason: string;
}

/** What a drain did, for the CLI summary. */
export interface RunSummary {
  pipeline: string;
  root: string;
  elapsedMs: number;
  functions: Record<string, FunctionSummary>;
  deadLetters: DeadLetterSummary[];
  /** Buckets written during the run, with their folder and object count. */
  outputs: Array<{ bucket: string; path: string; objects: number }>;
}

/** Progress while draining: work done and work known to be left. */
export interface Progress {
  done: number;
  pending: number;
}

/** Options of {@link LocalRuntime.drain}. */
export interface DrainOptions {
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
}

/** The embedded runtime: buckets as folders, durable queues, handlers run in process. */
export interface LocalRuntime {
  readonly pipeline: Pipeline;
  readonly root: string;
  readonly resolver: ResourceResolver;
  store(bucket: string): ObjectStore;
  queue<T>(ref: QueueRef<T>): LocalQueue<T>;
  /** Runs queue and object consumers until every queue is empty and nothing is in flight. */
  drain(options?: DrainOptions): Promise<RunSummary>;
  /** Runs one function on one event, as `cloudport invoke` does. */
  invoke(functionName: string, event: NeutralEvent): Promise<import('@cloudport/core').Outcome>;
  close(): Promise<void>;
}
