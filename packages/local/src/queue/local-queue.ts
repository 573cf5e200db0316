import {
  type BodyKind,
  type DeadLetter,
  encodeBody,
  InvalidConfigError,
  InvalidEventError,
  InvalidMessageError,
  type ReceivedMessage,
  type ReceiveOptions,
  type SendEntry,
  type SendOptions,
  type SendResult,
} from '@cloudport/core';
import { DeadLetterShelf } from './dead-letters.js';
import { closedQueueError, staleReceiptError } from './errors.js';
import {
  encodeFile,
  isMissingFile,
  type Location,
  type MessageHeader,
  type QueueFiles,
} from './files.js';
import { IdClock, ReceiptMaker } from './ids.js';
import { checkMessage, type PreparedMessage, splitBatch } from './limits.js';
import type { QueueLock } from './lock.js';
import { attemptsReason, MessageFiles, nameOf, newEntry } from './message-files.js';
import {
  type Burial,
  type Entry,
  MessageIndex,
  type Payload,
  type QueueCounts,
} from './message-index.js';
import { type QueueSettings, resolveReceiveOptions } from './options.js';
import { scanQueueFolder } from './recovery.js';
import { DedupWindow, InsertOrder } from './send-order.js';
import type { LocalQueue } from './types.js';
import { Wakeups } from './wakeups.js';

/** How long a message waits after a file operation failed, before it is tried again. */
const RETRY_MS = 1000;

/** The local queue: the index in memory, the files on disk, and the waits between them. */
export class FileQueue<T> implements LocalQueue<T> {
  readonly queue: string;
  readonly body: BodyKind;
  readonly dir: string;
  private readonly settings: QueueSettings;
  private readonly lock: QueueLock;
  private readonly index: MessageIndex;
  private readonly store: MessageFiles;
  private readonly shelf: DeadLetterShelf;
  private readonly clock = new IdClock();
  private readonly receipts = new ReceiptMaker();
  private readonly dedup = new DedupWindow();
  private readonly order: InsertOrder<Entry>;
  private readonly wakeups: Wakeups;
  private seq = 0;
  private closing: Promise<void> | undefined;

  constructor(settings: QueueSettings, files: QueueFiles, lock: QueueLock) {
    this.settings = settings;
    this.queue = settings.name;
    this.body = settings.body;
    this.dir = settings.dir;
    this.lock = lock;
    this.index = new MessageIndex(settings.maxAttempts);
    this.store = new MessageFiles(settings, files);
    this.shelf = new DeadLetterShelf(settings, this.store, (entry) => this.insert(entry));
    this.order = new InsertOrder((entry) => this.insert(entry));
    this.wakeups = new Wakeups(() => {
      this.tick(Date.now());
      this.changed();
    });
  }

  /**
   * Builds the index from the folder; in-flight messages found there are visible again. Files
   * that are not messages, and keyed messages whose header does not read, are dead-lettered
   * with their bytes.
   */
  async recover(): Promise<void> {
    const { messages, strays } = await scanQueueFolder(
      this.store.files,
      this.clock,
      this.settings.logger,
    );
    const now = Date.now();
    const burials: Array<[Entry, Burial]> = [];
    for (const message of messages) {
      const { facts, location } = message;
      this.seq += 1;
      if (location.folder === 'dead') {
        this.shelf.restore(facts, location, this.seq);
        continue;
      }
      const visibleAt = location.folder === 'inflight' ? 0 : facts.visibleAt;
      const entry = newEntry(
        facts.id,
        this.seq,
        facts.deliveries,
        visibleAt,
        location,
        message.header,
      );
      if (message.header && message.body) this.store.cache(entry, message.header, message.body);
      this.index.add(entry, now);
      const crashed = location.folder === 'inflight';
      if (message.unreadable !== undefined) {
        burials.push([entry, { reason: message.unreadable, raw: true }]);
      } else if (crashed && facts.deliveries >= this.settings.maxAttempts) {
        const stopped = this.attempts(entry, 'the process stopped during the last one');
        burials.push([entry, { reason: stopped, raw: false }]);
      }
    }
    const adopted = strays.map((stray) => {
      this.seq += 1;
      return this.shelf.adopt(stray, this.clock.next(), this.seq).catch((error: unknown) => {
        const path = this.store.files.path(stray);
        this.settings.logger.error('a file in the queue folder could not be dead-lettered', {
          queue: this.queue,
          path,
          error,
        });
      });
    });
    const buried = burials.map(([entry, burial]) =>
      this.bury(entry, burial.reason, burial.raw).catch(noop),
    );
    await Promise.all([...adopted, ...buried]);
    this.changed();
  }

  async send(body: T, options: SendOptions = {}): Promise<SendResult> {
    this.assertOpen();
    const message = this.prepare(body, options, 'message');

    return this.enqueue(message, Date.now());
  }

  async sendBatch(entries: ReadonlyArray<SendEntry<T>>): Promise<SendResult[]> {
    this.assertOpen();
    const prepared = entries.map(({ body, ...options }, at) =>
      this.prepare(body, options, `batch entry ${at}`),
    );
    const results: SendResult[] = [];
    for (const chunk of splitBatch(this.settings, prepared)) {
      const now = Date.now();
      results.push(...(await Promise.all(chunk.map((message) => this.enqueue(message, now)))));
    }

    return results;
  }

  async receive(options: ReceiveOptions = {}): Promise<ReceivedMessage<T>[]> {
    this.assertOpen();
    const { max, visibilityMs, waitMs } = resolveReceiveOptions(this.settings, options);
    options.signal?.throwIfAborted();
    const until = Date.now() + waitMs;
    for (;;) {
      if (this.closing) return [];
      const now = Date.now();
      this.tick(now);
      const taken = this.index.take(max, now, visibilityMs);
      if (taken.length > 0) {
        const messages = await Promise.all(taken.map((entry) => this.deliver(entry)));
        const delivered = messages.filter((message) => message !== undefined);
        if (delivered.length > 0) return delivered;
        continue;
      }
      if (now >= until) return [];
      await this.wakeups.sleep(until - now, options.signal);
    }
  }

  async receiveIds(
    messageIds: ReadonlyArray<string>,
    options: { visibilityTimeoutSeconds?: number } = {},
  ): Promise<ReceivedMessage<T>[]> {
    this.assertOpen();
    const { visibilityMs } = resolveReceiveOptions(this.settings, options);
    const now = Date.now();
    this.tick(now);
    const taken: Entry[] = [];
    for (const id of new Set(messageIds)) {
      const entry = this.index.entries.get(id);
      if (entry && this.index.takeOne(entry, now, visibilityMs)) taken.push(entry);
    }
    this.changed();
    const messages = await Promise.all(taken.map((entry) => this.deliver(entry)));

    return messages.filter((message) => message !== undefined);
  }

  async complete(message: ReceivedMessage<T>): Promise<void> {
    const entry = this.settleable(message, 'complete');
    this.index.remove(entry);
    this.store.uncache(entry);
    this.changed();
    await this.store.recycle(entry);
  }

  async retry(message: ReceivedMessage<T>, options: { delaySeconds?: number } = {}): Promise<void> {
    const entry = this.settleable(message, 'retry');
    const delay = options.delaySeconds ?? 0;
    const most = this.settings.limits?.maxVisibilityTimeoutSeconds ?? Number.POSITIVE_INFINITY;
    if (!Number.isFinite(delay) || delay < 0 || delay > most) {
      throw new InvalidConfigError(
        `Retry on queue ${this.queue}: delaySeconds ${delay} must be from 0 to ${most} seconds.`,
        { provider: 'local' },
      );
    }
    if (entry.deliveries >= this.settings.maxAttempts) {
      return this.bury(entry, this.attempts(entry, 'the last one asked for a retry'));
    }
    const now = Date.now();
    const visibleAt = delay > 0 ? now + Math.round(delay * 1000) : 0;
    entry.receipt = undefined;
    this.index.release(entry, visibleAt, now);
    this.changed();
    await this.store.move(entry, {
      folder: 'ready',
      name: nameOf(entry, entry.deliveries, visibleAt),
    });
  }

  async deadLetter(message: ReceivedMessage<T>, reason: string): Promise<void> {
    const entry = this.settleable(message, 'dead-letter');
    const text = typeof reason === 'string' && reason.length > 0 ? reason : 'no reason given';

    return this.bury(entry, text);
  }

  async deadLetters(): Promise<DeadLetter<T>[]> {
    this.assertOpen();

    return this.shelf.list() as Promise<DeadLetter<T>[]>;
  }

  async replay(messageIds?: ReadonlyArray<string>): Promise<number> {
    this.assertOpen();

    return this.shelf.replay(messageIds);
  }

  async browse(): Promise<ReceivedMessage<T>[]> {
    this.assertOpen();
    const messages: ReceivedMessage<T>[] = [];
    for (const entry of this.index.list()) {
      const message = await this.store.peek(entry);
      if (message) messages.push(message as ReceivedMessage<T>);
    }

    return messages;
  }

  counts(): QueueCounts {
    this.tick(Date.now());

    return this.index.counts(this.shelf.size);
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();

    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.wakeups.stop();
    await this.store.settled();
    this.index.clear();
    this.shelf.clear();
    this.dedup.clear();
    await this.lock.release();
  }

  private prepare(body: unknown, options: SendOptions, label: string): PreparedMessage {
    let bytes: Uint8Array;
    try {
      bytes = encodeBody(this.body, body);
    } catch (cause) {
      throw new InvalidMessageError(
        `The ${label} for queue ${this.queue} does not fit its body kind ` +
          `'${this.body}': ${(cause as Error).message}`,
        { provider: 'local', cause },
      );
    }

    return checkMessage(this.settings, bytes, options, label);
  }

  private enqueue(message: PreparedMessage, now: number): Promise<SendResult> {
    const { orderingKey, deduplicationId, attributes, delaySeconds } = message.options;
    if (deduplicationId !== undefined) {
      const live = this.index.byDeduplicationId.get(deduplicationId);
      if (live) return Promise.resolve({ messageId: live.id });
      const recent = this.dedup.find(deduplicationId, now);
      if (recent) return recent.inserted.then(() => ({ messageId: recent.messageId }));
    }

    const id = this.clock.next();
    const header: MessageHeader = { id, sentAt: now };
    if (attributes && Object.keys(attributes).length > 0) header.attributes = { ...attributes };
    if (orderingKey !== undefined) header.orderingKey = orderingKey;
    if (deduplicationId !== undefined) header.deduplicationId = deduplicationId;
    const delay = delaySeconds ?? 0;
    const visibleAt = delay > 0 ? now + Math.round(delay * 1000) : 0;
    this.seq += 1;
    const entry = newEntry(id, this.seq, 0, visibleAt, { folder: 'ready', name: '' }, header);
    const location: Location = { folder: 'ready', name: nameOf(entry, 0, visibleAt) };
    entry.location = location;
    const data = encodeFile(header, message.body);
    this.store.cache(entry, header, data.subarray(data.length - message.body.length));
    const inserted = this.order.add(entry, this.store.create(location, data));
    if (deduplicationId !== undefined) this.dedup.remember(deduplicationId, id, now, inserted);

    return inserted.then(() => ({ messageId: id }));
  }

  private insert(entry: Entry): void {
    this.index.add(entry, Date.now());
    this.changed();
  }

  private async deliver(entry: Entry): Promise<ReceivedMessage<T> | undefined> {
    const deliveries = entry.deliveries;
    if (entry.doomed !== undefined) {
      // Taken only to finish an earlier dead-letter that failed on disk; not a delivery.
      entry.deliveries -= 1;
      await this.bury(entry, entry.doomed.reason, entry.doomed.raw).catch(noop);
      return undefined;
    }
    const receipt = this.receipts.next(entry.id, deliveries);
    entry.receipt = receipt;
    let payload: Payload;
    try {
      payload = await this.store.deliver(entry, deliveries);
    } catch (error) {
      await this.unreadable(entry, deliveries, error);
      return undefined;
    }
    try {
      const { header, body } = payload;
      return this.store.toMessage(header, body, deliveries, receipt, false) as ReceivedMessage<T>;
    } catch (error) {
      const reason = `undeliverable: ${(error as Error).message}`;
      await this.bury(entry, reason).catch(noop);
      return undefined;
    }
  }

  /**
   * A taken message whose file did not read: one that does not decode, or is gone, is
   * dead-lettered with a reason naming the file and whatever bytes it has; one that failed for
   * another reason (permissions, too many open files) waits and is tried again, uncounted.
   */
  private async unreadable(entry: Entry, deliveries: number, error: unknown): Promise<void> {
    const path = this.store.files.path(entry.location);
    if (error instanceof InvalidEventError || isMissingFile(error)) {
      const what = isMissingFile(error)
        ? `message file ${path} disappeared from the queue folder`
        : `unreadable message file ${path}: ${(error as Error).message}`;
      this.log('a queue message file could not be read; it is dead-lettered', entry, error);
      await this.bury(entry, what, true).catch(noop);
      return;
    }
    if (entry.state !== 'inflight') return;
    const now = Date.now();
    entry.deliveries = deliveries - 1;
    entry.receipt = undefined;
    this.index.release(entry, now + RETRY_MS, now);
    this.changed();
    this.log(
      `a queue message file could not be read; trying again in ${RETRY_MS} ms`,
      entry,
      error,
    );
  }

  /**
   * Dead-letters a live message. Should the files fail, the message goes back into the index,
   * counted as delayed, and is dead-lettered again when it next comes up; the failure is
   * logged and also raised to the caller.
   */
  private bury(entry: Entry, reason: string, raw = false): Promise<void> {
    this.index.remove(entry);
    entry.doomed = undefined;
    const written = this.shelf.add(entry, reason, raw);
    this.changed();

    return written.catch((error: unknown) => {
      this.keep(entry, { reason, raw }, error);
      throw error;
    });
  }

  private keep(entry: Entry, burial: Burial, error: unknown): void {
    if (this.closing) return;
    const now = Date.now();
    entry.doomed = burial;
    entry.receipt = undefined;
    entry.dueAt = now + RETRY_MS;
    this.index.add(entry, now);
    this.changed();
    this.log(
      'a queue message could not be dead-lettered; it stays queued and is tried again in ' +
        `${RETRY_MS} ms`,
      entry,
      error,
    );
  }

  private attempts(entry: Entry, last: string): string {
    return attemptsReason(entry.deliveries, this.settings.maxAttempts, last);
  }

  private settleable(message: ReceivedMessage<T>, action: string): Entry {
    this.assertOpen();
    const id = message.messageId;
    const entry = this.index.entries.get(id);
    if (entry && entry.receipt !== undefined && entry.receipt === message.receipt) return entry;

    throw staleReceiptError(this.queue, action, id, entry, this.shelf.has(id));
  }

  /** Fires due timers: delayed messages appear, timed-out deliveries reappear or die. */
  private tick(now: number): void {
    if (this.closing) return;
    const timedOut = 'the last one was not settled within its visibility timeout';
    for (const entry of this.index.advance(now)) {
      // A failure keeps the message queued and logs it; nobody awaits this one.
      this.bury(entry, this.attempts(entry, timedOut)).catch(noop);
    }
    this.wakeups.schedule(this.index.nextDueAt());
  }

  /** After any change: reset the timer, and wake waiting receives if something is visible. */
  private changed(): void {
    this.wakeups.schedule(this.index.nextDueAt());
    if (this.wakeups.waiting && this.index.hasVisible()) this.wakeups.wakeAll();
  }

  private log(message: string, entry: Entry, error: unknown): void {
    this.settings.logger.error(message, { queue: this.queue, messageId: entry.id, error });
  }

  private assertOpen(): void {
    if (this.closing) throw closedQueueError(this.queue, this.dir);
  }
}

function noop(): void {}
