// A whole platform in memory: stores, queues and a dispatcher that runs the pipeline's real
// handlers through core's outcome loop, with seeded scheduling, duplicate deliveries and an
// injected crash that kills every handler in flight, as SIGKILL would.
import { Readable } from 'node:stream';
import {
  type DeadLetterRecord,
  type ListOptions,
  type ListPage,
  type MessageEvent,
  type MessageQueue,
  type NeutralEvent,
  type ObjectContent,
  type ObjectInfo,
  ObjectNotFoundError,
  type ObjectStore,
  type Pipeline,
  type PipelineFunction,
  PreconditionFailedError,
  type PutData,
  type PutOptions,
  type PutResult,
  type QueueRef,
  type ResourceResolver,
  readAll,
  runUnits,
  type SendEntry,
  type SendResult,
  silentLogger,
  UnsupportedError,
  withResolver,
} from '@cloudport/core';

/** Where the crash strikes: just before or just after the nth store or queue operation. */
export interface Fault {
  at: number;
  mode: 'before' | 'after';
}

/** Options of {@link MemoryWorld}. */
export interface WorldOptions {
  seed: number;
  fault?: Fault;
  concurrency?: number;
  /** Objects per listing page; small pages exercise the cursor. */
  pageSize?: number;
  /** Chance that a settled event is delivered once more, as at-least-once queues may. */
  duplicateRate?: number;
  /** A function whose every operation waits longer, so that the others overtake it. */
  slow?: string;
  /** Chance that an operation fails as a provider error would, so its event is retried. */
  flakyRate?: number;
}

/** Who performs an operation: an invocation of a process generation, maybe a slow one. */
interface Caller {
  generation: number;
  lag: number;
}

interface Stored {
  data: Buffer;
  info: ObjectInfo;
}

interface Work {
  fn: PipelineFunction;
  event: NeutralEvent;
  deliveries: number;
  lastError?: unknown;
}

const MAX_DELIVERIES = 25;
const SLOW_TURNS = 40;

/** Thrown into handlers that were running when the process was killed. */
export class KilledError extends Error {}

export class MemoryWorld {
  /** Store and queue operations the handlers performed. */
  ops = 0;
  crashed = false;
  /** Awaited before every handler operation; tests use it to force an interleaving. */
  gate?: (operation: string, key: string) => Promise<void>;
  /** Messages on queues no function consumes, such as the dead letters. */
  readonly parked = new Map<string, unknown[]>();
  private readonly buckets = new Map<string, Map<string, Stored>>();
  private readonly work: Work[] = [];
  private generation = 0;
  private etags = 0;
  private messages = 0;
  private invocations = 0;
  private readonly random: () => number;

  constructor(
    readonly pipeline: Pipeline,
    private readonly options: WorldOptions,
  ) {
    this.random = createRandom(options.seed);
  }

  /** Writes a file to a bucket from outside and fires the object triggers it matches. */
  async upload(bucket: string, key: string, text: string): Promise<void> {
    const { etag } = await this.store(bucket).put(key, text);
    const event: NeutralEvent = {
      type: 'object.created',
      id: `object-${bucket}-${key}-${etag}`,
      bucket,
      key,
      size: Buffer.byteLength(text),
      etag,
      time: new Date(0).toISOString(),
      raw: {},
    };
    for (const fn of this.pipeline.functions.values()) {
      const { trigger } = fn;
      if (trigger.kind !== 'object' || trigger.bucket.name !== bucket) continue;
      if (trigger.suffix && !key.endsWith(trigger.suffix)) continue;
      this.work.push({ fn, event, deliveries: 0 });
    }
  }

  /** A store as the test sees it: no operation counting, no faults. */
  store(bucket: string): ObjectStore {
    return new MemoryStore(this, bucket, undefined);
  }

  /** Runs one function once on a schedule event, as a timer would. */
  async fire(functionName: string): Promise<void> {
    const fn = this.pipeline.functions.get(functionName);
    if (!fn) throw new Error(`No function ${functionName}.`);
    const event: NeutralEvent = {
      type: 'schedule',
      id: `schedule-${++this.invocations}`,
      schedule: 'test',
      time: new Date(0).toISOString(),
      raw: {},
    };
    this.work.push({ fn, event, deliveries: 0 });
    await this.drain();
  }

  /** Delivers events and messages until none is left, `concurrency` at a time. */
  async drain(): Promise<void> {
    const running = new Set<Promise<void>>();
    while (this.work.length > 0 || running.size > 0) {
      while (running.size < (this.options.concurrency ?? 4) && this.work.length > 0) {
        const [item] = this.work.splice(Math.floor(this.random() * this.work.length), 1);
        const delivery: Promise<void> = this.deliver(item as Work).finally(() =>
          running.delete(delivery),
        );
        running.add(delivery);
      }
      await Promise.race(running);
    }
  }

  /** The records on the dead-letter queue. */
  deadLetters(queue = 'dead-letters'): DeadLetterRecord[] {
    return (this.parked.get(queue) ?? []) as DeadLetterRecord[];
  }

  /** Runs one store or queue operation for a handler, where a fault may strike. */
  async op<T>(
    caller: Caller | undefined,
    run: () => T | Promise<T>,
    label: [operation: string, key: string] = ['send', ''],
  ): Promise<T> {
    if (caller === undefined) return run();
    await this.gate?.(...label);
    const turns = Math.floor(this.random() * 3) + caller.lag;
    for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
    if (caller.generation !== this.generation) throw new KilledError('the process was killed');
    if (this.random() < (this.options.flakyRate ?? 0)) throw new Error('a transient failure');
    const index = ++this.ops;
    const fault = this.options.fault;
    if (fault?.at === index && fault.mode === 'before') this.kill();
    try {
      return await run();
    } finally {
      // An operation that answered with an error (not found, precondition failed) happened too.
      if (fault?.at === index && fault.mode === 'after') this.kill();
    }
  }

  /** Holds the objects of a bucket. */
  objects(bucket: string): Map<string, Stored> {
    const objects = this.buckets.get(bucket) ?? new Map<string, Stored>();
    this.buckets.set(bucket, objects);

    return objects;
  }

  nextEtag(): string {
    return `"e${++this.etags}"`;
  }

  /** Page size of listings. */
  get pageSize(): number {
    return this.options.pageSize ?? 1000;
  }

  /** Queues messages, as one operation; consumed queues become work for their function. */
  send(caller: Caller | undefined, ref: QueueRef<unknown>, entries: readonly SendEntry[]) {
    return this.op(caller, () =>
      entries.map((entry) => {
        const messageId = `m${++this.messages}`;
        const body = JSON.parse(JSON.stringify(entry.body)) as unknown;
        const fn = [...this.pipeline.functions.values()].find(
          (f) => f.trigger.kind === 'queue' && f.trigger.queue.name === ref.name,
        );
        if (!fn) {
          this.parked.set(ref.name, [...(this.parked.get(ref.name) ?? []), body]);
          return { messageId };
        }
        const event: MessageEvent = {
          type: 'message',
          id: messageId,
          queue: ref.name,
          messageId,
          body,
          attributes: {},
          deliveryCount: 1,
          time: new Date(0).toISOString(),
          raw: {},
        };
        this.work.push({ fn, event, deliveries: 0 });
        return { messageId };
      }),
    );
  }

  private async deliver(item: Work): Promise<void> {
    item.deliveries++;
    if (item.deliveries > MAX_DELIVERIES) {
      throw new Error(`${item.event.id} was never settled; last error: ${String(item.lastError)}`);
    }
    const generation = this.generation;
    const lag = item.fn.name === this.options.slow ? SLOW_TURNS : 0;
    const resolver = this.resolverFor({ generation, lag });
    const event =
      item.event.type === 'message'
        ? { ...item.event, deliveryCount: item.deliveries }
        : item.event;
    const options = {
      pipeline: this.pipeline,
      fn: item.fn,
      resolver,
      logger: silentLogger,
      invocationId: `invocation-${++this.invocations}`,
    };
    const [settled] = await withResolver(resolver, () =>
      runUnits(options, [{ id: event.id, event }]),
    );
    const outcome = settled?.outcome;
    if (generation !== this.generation || outcome?.kind === 'retry') {
      if (outcome?.kind === 'retry') item.lastError = outcome.error;
      this.work.push(item);
      return;
    }
    if (this.random() < (this.options.duplicateRate ?? 0)) this.work.push(item);
  }

  private kill(): never {
    this.generation++;
    this.crashed = true;
    throw new KilledError(`killed at operation ${this.ops}`);
  }

  /** A resolver for code run directly under `withResolver`, as a handler would be. */
  resolver(): ResourceResolver {
    return this.resolverFor({ generation: this.generation, lag: 0 });
  }

  private resolverFor(caller: Caller): ResourceResolver {
    return {
      store: (bucket) => new MemoryStore(this, bucket, caller),
      queue: <T>(ref: QueueRef<T>): MessageQueue<T> => ({
        queue: ref.name,
        body: ref.body,
        send: async (body, options) =>
          (await this.send(caller, ref, [{ ...options, body }]))[0] as SendResult,
        sendBatch: (entries) => this.send(caller, ref, entries),
      }),
    };
  }
}

class MemoryStore implements ObjectStore {
  constructor(
    private readonly world: MemoryWorld,
    readonly bucket: string,
    private readonly caller: Caller | undefined,
  ) {}

  get(key: string): Promise<ObjectContent> {
    return this.op('get', key, () => {
      const found = this.find(key);
      return { info: { ...found.info }, body: Readable.from(chunksOf(found.data, 997)) };
    });
  }

  head(key: string): Promise<ObjectInfo> {
    return this.op('head', key, () => ({ ...this.find(key).info }));
  }

  async put(key: string, data: PutData, options: PutOptions = {}): Promise<PutResult> {
    const bytes = typeof data === 'string' ? Buffer.from(data) : await toBuffer(data);

    return this.op('put', key, () => {
      const objects = this.world.objects(this.bucket);
      const existing = objects.get(key);
      if (options.createOnly && existing) {
        throw new PreconditionFailedError(this.bucket, key, 'the object already exists');
      }
      if (options.ifMatch !== undefined && existing?.info.etag !== options.ifMatch) {
        throw new PreconditionFailedError(this.bucket, key, 'the ETag does not match');
      }
      const etag = this.world.nextEtag();
      const info: ObjectInfo = {
        key,
        size: bytes.length,
        etag,
        lastModified: new Date(0),
        contentType: options.contentType,
        metadata: { ...options.metadata },
      };
      objects.set(key, { data: bytes, info });
      return { key, etag };
    });
  }

  list(options: ListOptions = {}): Promise<ListPage> {
    return this.op('list', options.prefix ?? '', () => {
      const keys = [...this.world.objects(this.bucket).keys()]
        .filter((key) => key.startsWith(options.prefix ?? ''))
        .filter((key) => options.cursor === undefined || key > options.cursor)
        .sort();
      const page = keys.slice(0, Math.min(options.limit ?? 1000, this.world.pageSize));
      const objects = page.map((key) => ({ ...this.find(key).info }));
      return { objects, cursor: page.length < keys.length ? page.at(-1) : undefined };
    });
  }

  delete(key: string): Promise<void> {
    return this.op('delete', key, () => {
      this.world.objects(this.bucket).delete(key);
    });
  }

  async copy(sourceKey: string, targetKey: string, options?: PutOptions): Promise<PutResult> {
    const { body } = await this.get(sourceKey);

    return this.put(targetKey, await readAll(body), options);
  }

  signedUrl(): Promise<string> {
    return Promise.reject(new UnsupportedError('Signed URLs', 'the memory store has none.'));
  }

  private op<T>(operation: string, key: string, run: () => T): Promise<T> {
    return this.world.op(this.caller, run, [operation, key]);
  }

  private find(key: string): Stored {
    const found = this.world.objects(this.bucket).get(key);
    if (!found) throw new ObjectNotFoundError(this.bucket, key);

    return found;
  }
}

// Odd-sized chunks, so that records and UTF-8 characters straddle chunk boundaries.
function* chunksOf(data: Buffer, size: number): Generator<Buffer> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}

async function toBuffer(data: Exclude<PutData, string>): Promise<Buffer> {
  if (data instanceof Uint8Array) return Buffer.from(data);
  if (data instanceof ReadableStream) return readAll(Readable.fromWeb(data as never));

  return readAll(data as AsyncIterable<Uint8Array>);
}

/** A seeded xorshift32 generator, for schedules that replay exactly. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;

  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x1_0000_0000;
  };
}
