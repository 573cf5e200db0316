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

/** One line of `cloudport dev` output: a finished invocation. */
export interface InvocationRecord {
  function: string;
  trigger: 'object' | 'queue' | 'http' | 'schedule';
  eventId: string;
  /** What became of the event: acknowledged, delivered again, or set aside. */
  outcome: 'processed' | 'retry' | 'dead-letter';
  durationMs: number;
  /** The reason of a dead letter or the message of a retried error. */
  detail?: string | undefined;
  /** HTTP status, for HTTP invocations. */
  status?: number | undefined;
}

/** Options of {@link LocalRuntime.dev}. */
export interface DevOptions {
  /** Port of the HTTP server; 0 picks a free one. Defaults to 3000. */
  port?: number;
  host?: string;
  /**
   * How long, in milliseconds, a file dropped into a bucket folder must keep its size and
   * modification time before it is imported. Defaults to 1000.
   */
  dropQuietMs?: number;
  onInvocation?: (record: InvocationRecord) => void;
  signal?: AbortSignal;
}

/** A running `dev` session. */
export interface DevSession {
  /** Base URL of the HTTP server; each HTTP function is served under `/<function>/`. */
  url: string;
  /** Stops watching, scheduling and serving, and waits for running handlers. */
  stop(): Promise<void>;
}

/** A dead letter as `cloudport dlq` lists it. */
export interface DeadLetterEntry {
  /** The queue it sits in: a bound dead-letter queue or a source queue's own dead letters. */
  queue: string;
  messageId: string;
  function?: string | undefined;
  eventId?: string | undefined;
  reason: string;
  deadLetteredAt: string;
}

/** The embedded runtime: buckets as folders, durable queues, handlers run in process. */
export interface LocalRuntime {
  readonly pipeline: Pipeline;
  readonly root: string;
  readonly resolver: ResourceResolver;
  store(bucket: string): ObjectStore;
  /** The durable queue behind a logical queue, opened on first use. */
  queue<T>(ref: QueueRef<T>): Promise<LocalQueue<T>>;
  /** Runs queue and object consumers until every queue is empty and nothing is in flight. */
  drain(options?: DrainOptions): Promise<RunSummary>;
  /** Runs one function on one event, as `cloudport invoke` does. */
  invoke(functionName: string, event: NeutralEvent): Promise<import('@cloudport/core').Outcome>;
  /** Watches bucket folders, fires schedules, serves HTTP routes and consumes queues. */
  dev(options?: DevOptions): Promise<DevSession>;
  /** Every dead letter of the pipeline's queues and functions. */
  deadLetters(): Promise<DeadLetterEntry[]>;
  /** Sends dead letters back to where they failed; returns how many were replayed. */
  replayDeadLetters(messageIds?: string[]): Promise<number>;
  close(): Promise<void>;
}
