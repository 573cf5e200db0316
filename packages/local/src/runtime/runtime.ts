import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  createJsonLogger,
  InvalidConfigError,
  invoke,
  type MessageQueue,
  matchesFilter,
  type NeutralEvent,
  type ObjectStore,
  type PipelineFunction,
  type QueueRef,
  type ResourceResolver,
  resolveLogger,
} from '@cloudport/core';
import { DEFAULT_ROOT } from '../default-dir.js';
import type { LocalQueue } from '../queue/index.js';
import { openLocalQueue } from '../queue/index.js';
import { SpareFiles } from '../spare-files.js';
import { createFileStore, type FileStore, type StoreChange } from '../store/file-store.js';
import { createLocalAdapter } from './adapter.js';
import { BusyCounter, type ConsumerSource, consume, detailOf } from './consumer.js';
import { collectDeadLetters, replayDeadLetters } from './dead-letters.js';
import { startDev } from './dev.js';
import { readFault } from './faults.js';
import { type EventIntent, EventJournal } from './journal.js';
import type {
  DrainOptions,
  FunctionSummary,
  InvocationRecord,
  LocalRuntime,
  LocalRuntimeOptions,
  RunSummary,
} from './types.js';

/** Deliveries of an object or schedule event before it is set aside, like Lambda's 1 + 2. */
export const EVENT_MAX_ATTEMPTS = 3;
/** Object and schedule events one local invocation takes; each still has its own outcome. */
const EVENT_BATCH_SIZE = 1;
/** How often a drain looks for the end of its work, and reports progress. */
const IDLE_POLL_MS = 25;
/** How long a drain waits to look again once it first finds no work left. */
const IDLE_CONFIRM_MS = 5;
/**
 * Invocations of one function running at once on object and schedule events. Handlers of
 * object events spend most of their time in small file calls; this many keep the file system
 * and both the thread pool and the main thread busy while each waits for its own calls.
 */
const EVENT_CONCURRENCY = 16;

/**
 * Creates the embedded runtime for a pipeline: buckets are folders under `root/buckets`,
 * queues are durable folders under `root/queues`, and object and schedule events wait in
 * durable per-function queues under `root/events`, so that nothing is lost in a crash.
 *
 * @example
 * const runtime = await createLocalRuntime({ pipeline, root: '.cloudport' });
 * await runtime.store('uploads').put('a.csv', 'id,total\n1,20\n');
 * const summary = await runtime.drain();
 */
export async function createLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const runtime = new Runtime(options);
  await runtime.open();

  return runtime;
}

class Runtime implements LocalRuntime {
  readonly pipeline: LocalRuntimeOptions['pipeline'];
  readonly root: string;
  readonly resolver: ResourceResolver;
  private readonly options: LocalRuntimeOptions;
  private readonly logger;
  private readonly faults = readFault();
  private readonly journal: EventJournal;
  private readonly stores = new Map<string, FileStore>();
  private readonly queues = new Map<string, Promise<LocalQueue<unknown>>>();
  private readonly eventQueues = new Map<string, LocalQueue<unknown>>();
  private readonly counts = new Map<string, FunctionSummary>();
  private readonly written = new Set<string>();
  private readonly listeners = new Set<(record: InvocationRecord) => void>();
  private readonly busy = new BusyCounter();
  private spares: SpareFiles | undefined;
  private tracking = false;

  constructor(options: LocalRuntimeOptions) {
    this.options = options;
    this.pipeline = options.pipeline;
    this.root = resolve(options.root ?? DEFAULT_ROOT);
    this.logger = resolveLogger(options.logger, () =>
      createJsonLogger({ fields: { pipeline: options.pipeline.name } }),
    );
    this.journal = new EventJournal(join(this.root, 'journal'));
    this.resolver = {
      store: (bucket) => this.store(bucket),
      queue: <T>(ref: QueueRef<T>) => this.lazyQueue(ref),
    };
  }

  async open(): Promise<void> {
    this.spares = await SpareFiles.open(join(this.root, 'spare'));
    for (const fn of this.pipeline.functions.values()) {
      if (fn.trigger.kind !== 'object' && fn.trigger.kind !== 'schedule') continue;
      const queue = await openLocalQueue<unknown>({
        dir: join(this.root, 'events', fn.name),
        name: `${fn.name} events`,
        body: 'json',
        maxAttempts: EVENT_MAX_ATTEMPTS,
        visibilityTimeoutSeconds: fn.timeoutSeconds + 30,
        spares: this.spares,
        logger: this.logger,
      });
      this.eventQueues.set(fn.name, queue);
    }
    for (const ref of this.pipeline.resources().queues.values()) await this.queue(ref);
    await this.recoverIntents();
  }

  store(bucket: string): ObjectStore {
    return this.fileStore(bucket);
  }

  queue<T>(ref: QueueRef<T>): Promise<LocalQueue<T>> {
    return this.openQueue(ref);
  }

  async drain(options: DrainOptions = {}): Promise<RunSummary> {
    const started = performance.now();
    const stop = new AbortController();
    // Every worker of every function waits on this one signal.
    setMaxListeners(0, stop.signal);
    const abort = () => stop.abort();
    options.signal?.addEventListener('abort', abort, { once: true });
    this.tracking = true;
    this.counts.clear();
    this.written.clear();
    const consumers = this.startConsumers(stop.signal);
    let done = 0;
    const onSettled = () => {
      done += 1;
    };
    this.listeners.add(onSettled);
    try {
      await this.waitUntilIdle(stop.signal, () =>
        options.onProgress?.({ done, pending: this.pending() }),
      );
    } finally {
      stop.abort();
      await consumers;
      this.listeners.delete(onSettled);
      options.signal?.removeEventListener('abort', abort);
      this.tracking = false;
    }

    return this.summary(Math.round(performance.now() - started));
  }

  async invoke(functionName: string, event: NeutralEvent) {
    const fn = this.functionNamed(functionName);
    const [settled] = await invoke({
      adapter: createLocalAdapter(this.resolver),
      pipeline: this.pipeline,
      fn,
      input: { kind: 'event', event },
      resolver: this.resolver,
      logger: this.logger.child({ function: fn.name }),
      invocationId: randomUUID(),
      deadline: Date.now() + fn.timeoutSeconds * 1000,
    });

    return settled!.outcome;
  }

  dev(options = {}) {
    return startDev(this.devHost(), options);
  }

  async deadLetters() {
    return collectDeadLetters(this.deadLetterSources());
  }

  async replayDeadLetters(messageIds?: string[]) {
    return replayDeadLetters(this.deadLetterSources(), messageIds, {
      resend: (ref, body, options) => this.lazyQueue(ref).send(body, options),
      requeueEvent: (fnName, event) => this.eventQueue(fnName).send(event),
    });
  }

  async close(): Promise<void> {
    await this.journal.close();
    for (const queue of this.eventQueues.values()) await queue.close();
    for (const pending of this.queues.values()) await (await pending).close();
    this.eventQueues.clear();
    this.queues.clear();
  }

  /** Removes everything under the root; used by `cloudport run --fresh`. */
  static async wipe(root: string): Promise<void> {
    await rm(resolve(root), { recursive: true, force: true });
  }

  private functionNamed(name: string): PipelineFunction {
    const fn = this.pipeline.functions.get(name);
    if (fn) return fn;
    const known = [...this.pipeline.functions.keys()].join(', ');

    throw new InvalidConfigError(
      `Pipeline ${this.pipeline.name} has no function ${JSON.stringify(name)}; it has: ${known}.`,
    );
  }

  private fileStore(bucket: string): FileStore {
    const known = this.stores.get(bucket);
    if (known) return known;
    const inner = createFileStore({
      dir: join(this.root, 'buckets', bucket),
      bucket,
      profile: this.options.profile,
      hooks: { beforeCommit: (change) => this.recordIntent(bucket, change) },
      spares: this.spares,
    });
    const store = this.wrapStore(bucket, inner);
    this.stores.set(bucket, store);

    return store;
  }

  /** Queues the events of a committed change right after the store call that made it. */
  private wrapStore(bucket: string, inner: FileStore): FileStore {
    const after = async <T extends { etag?: string }>(key: string, result: T): Promise<T> => {
      await this.flushIntents(bucket, key, result.etag);
      if (this.tracking) this.written.add(bucket);
      this.faults.pass('put', bucket, key);
      return result;
    };
    const wrapped: FileStore = Object.create(inner);
    wrapped.put = async (key, data, options) => after(key, await inner.put(key, data, options));
    wrapped.copy = async (from, to, options) => after(to, await inner.copy(from, to, options));
    wrapped.delete = async (key) => {
      await inner.delete(key);
      await this.flushIntents(bucket, key, undefined);
    };
    wrapped.importDroppedFile = async (path) => {
      const result = await inner.importDroppedFile(path);
      return after(result.key, result);
    };

    return wrapped;
  }

  private async recordIntent(bucket: string, change: StoreChange): Promise<void> {
    const key = change.type === 'created' ? change.info.key : change.key;
    const deliveries = this.objectFunctions(bucket, change.type, key).map((fn) => ({
      function: fn.name,
      event: toObjectEvent(bucket, change),
    }));
    if (deliveries.length === 0) return;
    const etag = change.type === 'created' ? change.info.etag : undefined;
    await this.journal.record({ bucket, key, etag, deliveries });
  }

  private async flushIntents(bucket: string, key: string, etag: string | undefined) {
    for (const intent of this.journal.take(bucket, key, etag)) await this.enqueue(intent);
  }

  private async enqueue(intent: EventIntent): Promise<void> {
    for (const delivery of intent.deliveries) {
      await this.eventQueue(delivery.function).send(delivery.event, {
        deduplicationId: delivery.event.id,
      });
    }
    await this.journal.done(intent);
  }

  /** Queues the events of writes that landed before a crash; drops those that never did. */
  private async recoverIntents(): Promise<void> {
    for (const intent of await this.journal.leftovers()) {
      const current = await this.fileStore(intent.bucket)
        .head(intent.key)
        .catch(() => undefined);
      const landed =
        intent.etag === undefined ? current === undefined : current?.etag === intent.etag;
      if (landed) await this.enqueue(intent);
      else await this.journal.done(intent);
    }
  }

  private objectFunctions(bucket: string, type: StoreChange['type'], key: string) {
    return [...this.pipeline.functions.values()].filter((fn) => {
      const trigger = fn.trigger;
      if (trigger.kind !== 'object' || trigger.bucket.name !== bucket) return false;

      return trigger.event === type && matchesFilter(trigger, key);
    });
  }

  private eventQueue(name: string): LocalQueue<unknown> {
    const queue = this.eventQueues.get(name);
    if (!queue)
      throw new InvalidConfigError(`Function ${name} takes no object or schedule events.`);

    return queue;
  }

  private openQueue<T>(ref: QueueRef<T>): Promise<LocalQueue<T>> {
    let pending = this.queues.get(ref.name);
    if (!pending) {
      pending = openLocalQueue<unknown>({
        dir: join(this.root, 'queues', ref.name),
        name: ref.name,
        body: ref.body,
        maxAttempts: ref.maxAttempts,
        visibilityTimeoutSeconds: ref.visibilityTimeoutSeconds,
        profile: this.options.profile,
        spares: this.spares,
        logger: this.logger,
      });
      this.queues.set(ref.name, pending);
    }

    return pending as Promise<LocalQueue<T>>;
  }

  private lazyQueue<T>(ref: QueueRef<T>): MessageQueue<T> {
    return {
      queue: ref.name,
      body: ref.body,
      send: async (body, options) => (await this.openQueue(ref)).send(body, options),
      sendBatch: async (entries) => (await this.openQueue(ref)).sendBatch(entries),
    };
  }

  private sources(): Promise<ConsumerSource[]> {
    return Promise.all(
      [...this.pipeline.functions.values()].flatMap((fn): Array<Promise<ConsumerSource>> => {
        const trigger = fn.trigger;
        if (trigger.kind === 'queue') {
          return [
            this.openQueue(trigger.queue).then((queue) => ({
              fn,
              queue,
              input: (messages) => ({ kind: 'messages', queue: trigger.queue, messages }),
              batchSize: trigger.batchSize,
              concurrency: trigger.concurrency,
              maxAttempts: trigger.queue.maxAttempts,
            })),
          ];
        }
        const queue = this.eventQueues.get(fn.name);
        if (!queue) return [];
        return [
          Promise.resolve({
            fn,
            queue,
            input: (messages) => ({ kind: 'events', messages }),
            batchSize: EVENT_BATCH_SIZE,
            concurrency: EVENT_CONCURRENCY,
            maxAttempts: EVENT_MAX_ATTEMPTS,
          }),
        ];
      }),
    );
  }

  private async startConsumers(signal: AbortSignal): Promise<void> {
    const context = {
      pipeline: this.pipeline,
      resolver: this.resolver,
      logger: this.logger,
      faults: this.faults,
      onSettled: (fn: PipelineFunction, record: InvocationRecord) => this.count(fn, record),
    };
    const sources = await this.sources();
    await Promise.all(sources.map((source) => consume(source, context, this.busy, signal)));
  }

  private count(fn: PipelineFunction, record: InvocationRecord): void {
    const summary = this.counts.get(fn.name) ?? {
      events: 0,
      processed: 0,
      retried: 0,
      deadLettered: 0,
    };
    summary.events += 1;
    if (record.outcome === 'processed') summary.processed += 1;
    if (record.outcome === 'retry') summary.retried += 1;
    if (record.outcome === 'dead-letter') summary.deadLettered += 1;
    this.counts.set(fn.name, summary);
    for (const listener of this.listeners) listener(record);
  }

  /** Work left in queues that some function consumes; dead-letter queues wait for people. */
  private pending(): number {
    let total = this.journal.size;
    for (const queue of this.consumedQueues) {
      const counts = queue.counts();
      total += counts.ready + counts.delayed + counts.inFlight;
    }

    return total;
  }

  private consumedQueues: LocalQueue<unknown>[] = [];

  /**
   * Resolves once no invocation runs and nothing waits twice in a row: checked every
   * {@link IDLE_POLL_MS} for progress reports, and at once when the last invocation ends, the
   * second look following shortly after the first.
   */
  private async waitUntilIdle(signal: AbortSignal, tick: () => void): Promise<void> {
    let quiet = false;
    let wake: (() => void) | undefined;
    this.busy.onIdle = () => wake?.();
    try {
      while (!signal.aborted) {
        this.consumedQueues = (await this.sources()).map((source) => source.queue);
        tick();
        const idle = this.busy.count === 0 && this.pending() === 0;
        if (idle && quiet) return;
        quiet = idle;
        await new Promise<void>((done) => {
          const timer = setTimeout(done, idle ? IDLE_CONFIRM_MS : IDLE_POLL_MS);
          wake = () => {
            clearTimeout(timer);
            done();
          };
        });
        wake = undefined;
      }
    } finally {
      this.busy.onIdle = undefined;
    }
  }

  private async summary(elapsedMs: number): Promise<RunSummary> {
    const functions: Record<string, FunctionSummary> = {};
    for (const name of this.pipeline.functions.keys()) {
      functions[name] = this.counts.get(name) ?? {
        events: 0,
        processed: 0,
        retried: 0,
        deadLettered: 0,
      };
    }
    const outputs = [];
    for (const bucket of this.written) {
      const objects = await this.fileStore(bucket).countObjects();
      outputs.push({ bucket, path: join(this.root, 'buckets', bucket), objects });
    }
    const deadLetters = (await this.deadLetters()).map((entry) => ({
      function: entry.function ?? '',
      queue: entry.queue,
      eventId: entry.eventId ?? entry.messageId,
      reason: entry.reason,
    }));

    return {
      pipeline: this.pipeline.name,
      root: this.root,
      elapsedMs,
      functions,
      deadLetters,
      outputs,
    };
  }

  private deadLetterSources() {
    return {
      pipeline: this.pipeline,
      eventQueues: this.eventQueues,
      openQueue: <T>(ref: QueueRef<T>) => this.openQueue(ref),
    };
  }

  private devHost() {
    return {
      pipeline: this.pipeline,
      root: this.root,
      resolver: this.resolver,
      logger: this.logger,
      stores: (bucket: string) => this.fileStore(bucket),
      eventQueue: (name: string) => this.eventQueue(name),
      startConsumers: (signal: AbortSignal) => this.startConsumers(signal),
      listen: (listener: (record: InvocationRecord) => void) => {
        this.listeners.add(listener);
        return () => this.listeners.delete(listener);
      },
      report: (record: InvocationRecord) => {
        for (const listener of this.listeners) listener(record);
      },
      detailOf,
    };
  }
}

/** Removes a runtime's folder and everything in it. */
export function wipeRoot(root: string): Promise<void> {
  return Runtime.wipe(root);
}

function toObjectEvent(bucket: string, change: StoreChange): NeutralEvent {
  const time = new Date().toISOString();
  if (change.type === 'deleted') {
    return { type: 'object.deleted', id: randomUUID(), bucket, key: change.key, time, raw: change };
  }
  const { info } = change;

  return {
    type: 'object.created',
    id: randomUUID(),
    bucket,
    key: info.key,
    size: info.size,
    etag: info.etag,
    contentType: info.contentType,
    time,
    raw: { ...change, info: { ...info, lastModified: info.lastModified.toISOString() } },
  };
}
