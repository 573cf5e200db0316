import type { BodyKind } from './body.js';

/** Options of one message sent to a queue. */
export interface SendOptions {
  /** String attributes delivered with the message (SQS message attributes, Pub/Sub attributes). */
  attributes?: Record<string, string>;
  /** Seconds before the message becomes visible; `UNSUPPORTED` where a provider has no delay. */
  delaySeconds?: number;
  /** Messages with the same key are delivered in order (FIFO group, ordering key, session). */
  orderingKey?: string;
  /** Sends with the same id within the provider's window are delivered once. */
  deduplicationId?: string;
}

/** One entry of a batch send. */
export interface SendEntry<T = unknown> extends SendOptions {
  body: T;
}

/** What a send returns: the id the provider gave the message. */
export interface SendResult {
  messageId: string;
}

/**
 * A queue bound to one logical queue, for sending.
 *
 * Batch sends are split to the provider's batch count and size limits; a message over the
 * size limit raises `MESSAGE_TOO_LARGE` before anything is sent.
 */
export interface MessageQueue<T = unknown> {
  /** The queue's logical name. */
  readonly queue: string;
  readonly body: BodyKind;
  send(body: T, options?: SendOptions): Promise<SendResult>;
  sendBatch(entries: ReadonlyArray<SendEntry<T>>): Promise<SendResult[]>;
}

/** A message handed to a consumer, to be completed, retried or dead-lettered. */
export interface ReceivedMessage<T = unknown> {
  messageId: string;
  body: T;
  attributes: Record<string, string>;
  /** 1 on first delivery, raised on every redelivery. */
  deliveryCount: number;
  orderingKey?: string | undefined;
  deduplicationId?: string | undefined;
  sentAt: Date;
  /** Opaque handle of this delivery; settling with a stale one fails. */
  receipt: string;
}

/** Options of {@link ConsumableQueue.receive}. */
export interface ReceiveOptions {
  /** Most messages to return. Defaults to 1. */
  maxMessages?: number;
  /** Seconds the messages stay hidden from other consumers. Defaults to the queue's setting. */
  visibilityTimeoutSeconds?: number;
  /** Wait up to this long for a first message. Defaults to 0. */
  waitMs?: number;
  signal?: AbortSignal;
}

/** A dead-lettered message with the reason it was set aside. */
export interface DeadLetter<T = unknown> extends ReceivedMessage<T> {
  reason: string;
  deadLetteredAt: Date;
}

/** A queue that can also be consumed: receive, then settle each delivery exactly once. */
export interface ConsumableQueue<T = unknown> extends MessageQueue<T> {
  receive(options?: ReceiveOptions): Promise<ReceivedMessage<T>[]>;
  /** Processed: the message is removed. */
  complete(message: ReceivedMessage<T>): Promise<void>;
  /** Retry: the message becomes visible again after `delaySeconds` (default 0). */
  retry(message: ReceivedMessage<T>, options?: { delaySeconds?: number }): Promise<void>;
  /** Dead-letter: the message moves to the queue's dead-letter store with its reason. */
  deadLetter(message: ReceivedMessage<T>, reason: string): Promise<void>;
}
