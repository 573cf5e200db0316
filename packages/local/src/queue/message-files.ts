import { decodeBody, type ReceivedMessage } from '@cloudport/core';
import {
  decodeFile,
  formatName,
  type Location,
  type MessageHeader,
  type QueueFiles,
} from './files.js';
import type { Entry, Payload } from './message-index.js';
import type { QueueSettings } from './options.js';

/** Bytes of message payloads kept in memory, so that most deliveries need no read. */
const CACHE_BYTES = 32 * 1024 * 1024;
/** Rough memory of one cached header, counted against the budget. */
const HEADER_COST = 256;

/** Anything whose file operations must run one after another. */
export interface Chained {
  chain: Promise<void>;
}

/** A live message's index entry, not yet added to the index. */
export function newEntry(
  id: string,
  seq: number,
  deliveries: number,
  visibleAt: number,
  location: Location,
  header: MessageHeader | undefined,
): Entry {
  return {
    id,
    seq,
    orderingKey: header?.orderingKey,
    deduplicationId: header?.deduplicationId,
    state: 'ready',
    deliveries,
    dueAt: visibleAt,
    receipt: undefined,
    location,
    payload: undefined,
    chain: Promise.resolve(),
    ticket: 0,
    queued: false,
    doomed: undefined,
  };
}

/** The file name of a live message after `deliveries` deliveries, visible at `visibleAt`. */
export function nameOf(entry: Entry, deliveries: number, visibleAt: number): string {
  return formatName({
    id: entry.id,
    deliveries,
    visibleAt,
    keyed: entry.orderingKey !== undefined,
    deduplicated: entry.deduplicationId !== undefined,
  });
}

/** The reason given when a message runs out of delivery attempts. */
export function attemptsReason(deliveries: number, maxAttempts: number, last: string): string {
  return `failed ${deliveries} of ${maxAttempts} delivery attempts; ${last}`;
}

/**
 * The message files of one queue: each message's operations run in order, payloads are
 * cached within a byte budget, and every operation under way is tracked for `close`.
 */
export class MessageFiles {
  readonly files: QueueFiles;
  private readonly settings: QueueSettings;
  private readonly ops = new Set<Promise<unknown>>();
  private cachedBytes = 0;

  constructor(settings: QueueSettings, files: QueueFiles) {
    this.settings = settings;
    this.files = files;
  }

  /** Runs `op` after every earlier operation on the same message has finished. */
  run<R>(holder: Chained, op: () => Promise<R>): Promise<R> {
    const result = holder.chain.then(op);
    holder.chain = result.then(noop, noop);

    return this.track(result);
  }

  /** Writes a new message file atomically. */
  create(location: Location, data: Uint8Array): Promise<void> {
    return this.track(this.files.create(location, data));
  }

  move(entry: Entry, target: Location): Promise<void> {
    return this.run(entry, async () => {
      await this.files.move(entry.location, target);
      entry.location = target;
    });
  }

  remove(entry: Entry): Promise<void> {
    return this.run(entry, () => this.files.remove(entry.location));
  }

  /** Removes a completed message's file after its other operations, keeping it as a spare. */
  recycle(entry: Entry): Promise<void> {
    return this.run(entry, () => this.files.recycle(entry.location));
  }

  /** Moves a taken message into `inflight` under its new delivery count, and reads it. */
  deliver(entry: Entry, deliveries: number): Promise<Payload> {
    return this.run(entry, async () => {
      const target: Location = { folder: 'inflight', name: nameOf(entry, deliveries, 0) };
      await this.files.move(entry.location, target);
      entry.location = target;

      return this.payload(entry);
    });
  }

  /** A live message as it stands, without delivering it; undefined once it is settled. */
  peek(entry: Entry): Promise<ReceivedMessage<unknown> | undefined> {
    return this.run(entry, async () => {
      if (entry.state === 'gone') return undefined;
      const { header, body } = await this.payload(entry);

      return this.toMessage(header, body, entry.deliveries, '', true);
    });
  }

  /** The message's header and body, from memory or from its file. */
  async payload(entry: Entry): Promise<Payload> {
    if (entry.payload) return entry.payload;
    const payload = await this.read(entry.location);
    this.cache(entry, payload.header, payload.body);

    return payload;
  }

  async read(location: Location): Promise<Payload> {
    const bytes = await this.files.read(location);

    return decodeFile(bytes, this.files.path(location));
  }

  cache(entry: Entry, header: MessageHeader, body: Uint8Array): void {
    if (entry.payload) return;
    const cost = body.length + HEADER_COST;
    if (this.cachedBytes + cost > CACHE_BYTES) return;
    entry.payload = { header, body };
    this.cachedBytes += cost;
  }

  uncache(entry: Entry): void {
    if (!entry.payload) return;
    this.cachedBytes -= entry.payload.body.length + HEADER_COST;
    entry.payload = undefined;
  }

  /**
   * Builds a message for the consumer. A body that does not decode raises `INVALID_EVENT`,
   * or with `lenient` is returned as its raw bytes.
   */
  toMessage(
    header: MessageHeader,
    body: Uint8Array,
    deliveries: number,
    receipt: string,
    lenient: boolean,
  ): ReceivedMessage<unknown> {
    return {
      messageId: header.id,
      body: this.decode(body, lenient),
      attributes: { ...header.attributes },
      deliveryCount: deliveries,
      orderingKey: header.orderingKey,
      deduplicationId: header.deduplicationId,
      sentAt: new Date(header.sentAt),
      receipt,
    };
  }

  /** Resolves once no file operation is under way. */
  async settled(): Promise<void> {
    while (this.ops.size > 0) await Promise.allSettled([...this.ops]);
  }

  private decode(body: Uint8Array, lenient: boolean): unknown {
    const kind = this.settings.body;
    // Byte bodies are copied, so that a consumer changing one cannot change the cached copy.
    if (kind === 'bytes') return new Uint8Array(body);
    try {
      return decodeBody(kind, body);
    } catch (error) {
      if (lenient) return new Uint8Array(body);
      throw error;
    }
  }

  private track<R>(operation: Promise<R>): Promise<R> {
    this.ops.add(operation);
    const forget = () => this.ops.delete(operation);
    operation.then(forget, forget);

    return operation;
  }
}

function noop(): void {}
