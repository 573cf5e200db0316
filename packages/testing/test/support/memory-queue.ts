import { randomUUID } from 'node:crypto';
import {
  type BodyKind,
  type CapabilityDeclaration,
  type ConsumableQueue,
  type DeadLetter,
  decodeBody,
  encodeBody,
  FEATURES,
  type FeatureId,
  MessageTooLargeError,
  PreconditionFailedError,
  type QueueLimits,
  type ReceivedMessage,
  type ReceiveOptions,
  type SendEntry,
  type SendResult,
  UnsupportedError,
} from '@cloudport/core';
import type { SentBatch } from '../../src/queue-context.js';

/** Defects a test can give the queue, to show that the suite catches them. */
export interface QueueDefects {
  /** Sends a whole batch in one call, whatever its size. */
  noSplit?: boolean;
  /** Deletes a message that should be dead-lettered. */
  deleteDeadLetters?: boolean;
  /** Settles with the receipt of an earlier delivery as SQS does: success, without effect. */
  acceptStale?: boolean;
}

/** The declaration of the in-memory queue: batches, attributes, redelivery, dead letters. */
export const MEMORY_QUEUE_CAPABILITIES: CapabilityDeclaration = {
  implementation: 'memory',
  title: 'Memory',
  features: Object.fromEntries(
    FEATURES.map(({ id }) => [id, { support: 'no', note: 'not in the in-memory queue' }]),
  ) as CapabilityDeclaration['features'],
};
for (const id of [
  'queue.batch-send',
  'queue.attributes',
  'queue.redelivery',
  'queue.stale-settle',
  'queue.dead-letter',
] as FeatureId[]) {
  MEMORY_QUEUE_CAPABILITIES.features[id] = { support: 'yes' };
}

interface Stored {
  id: string;
  body: Uint8Array;
  attributes: Record<string, string>;
  sentAt: Date;
  deliveries: number;
  visibleAt: number;
  receipt: string | undefined;
}

/** Settings of {@link MemoryQueue}. */
export interface MemoryQueueOptions {
  name: string;
  body: BodyKind;
  maxAttempts: number;
  visibilityTimeoutSeconds: number;
  limits: QueueLimits;
  defects?: QueueDefects;
}

/** A small in-memory queue that passes the queue suite's cases for what it declares. */
export class MemoryQueue implements ConsumableQueue<unknown> {
  readonly queue: string;
  readonly body: BodyKind;
  /** Every send call: one per message or chunk. */
  readonly calls: SentBatch[] = [];
  private readonly messages: Stored[] = [];
  private readonly letters: DeadLetter<unknown>[] = [];

  constructor(private readonly options: MemoryQueueOptions) {
    this.queue = options.name;
    this.body = options.body;
  }

  async send(body: unknown, options = {}): Promise<SendResult> {
    const [result] = await this.sendBatch([{ ...options, body }]);

    return result as SendResult;
  }

  async sendBatch(entries: ReadonlyArray<SendEntry<unknown>>): Promise<SendResult[]> {
    const prepared = entries.map((entry) => this.prepare(entry));
    for (const chunk of this.split(prepared)) {
      this.calls.push({ entries: chunk.length, bytes: chunk.reduce((sum, m) => sum + m.size, 0) });
      for (const message of chunk) this.messages.push(message.stored);
    }

    return prepared.map((message) => ({ messageId: message.stored.id }));
  }

  async receive(options: ReceiveOptions = {}): Promise<ReceivedMessage<unknown>[]> {
    const until = Date.now() + (options.waitMs ?? 0);
    for (;;) {
      const now = Date.now();
      this.expire(now);
      const ready = this.messages
        .filter((m) => m.visibleAt <= now)
        .slice(0, options.maxMessages ?? 1);
      if (ready.length > 0 || now >= until) return ready.map((stored) => this.deliver(stored, now));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async complete(message: ReceivedMessage<unknown>): Promise<void> {
    if (this.ignoredAsStale(message)) return;
    this.remove(this.held(message));
  }

  async retry(message: ReceivedMessage<unknown>, options: { delaySeconds?: number } = {}) {
    if (this.ignoredAsStale(message)) return;
    const stored = this.held(message);
    if (stored.deliveries >= this.options.maxAttempts) return this.bury(stored, 'retried last');
    stored.receipt = undefined;
    stored.visibleAt = Date.now() + (options.delaySeconds ?? 0) * 1000;
  }

  async deadLetter(message: ReceivedMessage<unknown>, reason: string): Promise<void> {
    this.bury(this.held(message), reason);
  }

  async deadLetters(): Promise<DeadLetter<unknown>[]> {
    return [...this.letters];
  }

  private prepare(entry: SendEntry<unknown>) {
    for (const option of ['delaySeconds', 'orderingKey', 'deduplicationId'] as const) {
      if (entry[option] !== undefined) throw new UnsupportedError(option, 'not in memory');
    }
    const body = encodeBody(this.body, entry.body);
    const attributes = entry.attributes ?? {};
    const names = Object.entries(attributes);
    const overhead = this.options.limits.attributeOverheadBytes ?? 0;
    const attributeBytes = names.reduce(
      (sum, [k, v]) => sum + Buffer.byteLength(k + v) + overhead,
      0,
    );
    const size = body.length + attributeBytes;
    const { maxMessageBytes, maxAttributes, maxAttributesBytes } = this.options.limits;
    const over = [
      [size, maxMessageBytes],
      [names.length, maxAttributes],
      [attributeBytes, maxAttributesBytes],
    ].find(([value, limit]) => (value as number) > (limit as number));
    if (over)
      throw new MessageTooLargeError('over the limit', over[0] as number, over[1] as number);
    const stored: Stored = {
      id: randomUUID(),
      body,
      attributes,
      sentAt: new Date(),
      deliveries: 0,
      visibleAt: 0,
      receipt: undefined,
    };

    return { stored, size };
  }

  private split<M extends { size: number }>(messages: M[]): M[][] {
    if (this.options.defects?.noSplit) return [messages];
    const { maxBatchEntries, maxBatchBytes } = this.options.limits;
    const chunks: M[][] = [];
    let bytes = 0;
    for (const message of messages) {
      const last = chunks.at(-1);
      if (!last || last.length >= maxBatchEntries || bytes + message.size > maxBatchBytes) {
        chunks.push([message]);
        bytes = message.size;
      } else {
        last.push(message);
        bytes += message.size;
      }
    }

    return chunks;
  }

  /** Dead-letters deliveries whose last attempt timed out. */
  private expire(now: number): void {
    for (const stored of [...this.messages]) {
      const timedOut = stored.receipt !== undefined && stored.visibleAt <= now;
      if (timedOut && stored.deliveries >= this.options.maxAttempts) this.bury(stored, 'timed out');
    }
  }

  private deliver(stored: Stored, now: number): ReceivedMessage<unknown> {
    stored.deliveries += 1;
    stored.receipt = randomUUID();
    stored.visibleAt = now + this.options.visibilityTimeoutSeconds * 1000;

    return this.view(stored);
  }

  private view(stored: Stored): ReceivedMessage<unknown> {
    return {
      messageId: stored.id,
      body: decodeBody(this.body, stored.body),
      attributes: { ...stored.attributes },
      deliveryCount: stored.deliveries,
      sentAt: stored.sentAt,
      receipt: stored.receipt ?? '',
    };
  }

  private held(message: ReceivedMessage<unknown>): Stored {
    const stored = this.messages.find((m) => m.id === message.messageId);
    if (stored?.receipt === undefined || stored.receipt !== message.receipt) {
      throw new PreconditionFailedError(this.queue, message.messageId, 'the receipt is stale');
    }

    return stored;
  }

  /** With the `acceptStale` defect: true for a stale receipt, which is then ignored. */
  private ignoredAsStale(message: ReceivedMessage<unknown>): boolean {
    if (!this.options.defects?.acceptStale) return false;
    const stored = this.messages.find((m) => m.id === message.messageId);

    return stored?.receipt !== undefined && stored.receipt !== message.receipt;
  }

  private bury(stored: Stored, reason: string): void {
    this.remove(stored);
    if (this.options.defects?.deleteDeadLetters) return;
    this.letters.push({ ...this.view(stored), reason, deadLetteredAt: new Date() });
  }

  private remove(stored: Stored): void {
    this.messages.splice(this.messages.indexOf(stored), 1);
  }
}
