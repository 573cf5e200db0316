import {
  type ConsumableQueue,
  type DeadLetter,
  decodeBody,
  encodeBody,
  InvalidConfigError,
  LatestReceipts,
  type ReceivedMessage,
  type ReceiveOptions,
} from '@cloudport/core';
import type { PubSub, v1 } from '@google-cloud/pubsub';
import { createPubSubClient, fromSource, lazy, loadPubSub } from '../clients.js';
import { messageOf, PROVIDER, toQueueError } from '../errors.js';
import { createPubSubQueue, type PubSubQueueOptions } from './pubsub.js';
import { INTERNAL_PREFIX, userAttributes } from './wire.js';

/** Options of {@link createPubSubPullQueue}. */
export interface PubSubPullQueueOptions<T> extends PubSubQueueOptions<T> {
  /** The pull subscription on the topic: its id, or `projects/P/subscriptions/S`. */
  subscription: string;
  /** Where `deadLetter()` and messages past their last attempt go; without it they cannot. */
  deadLetterTopic?: string;
  /** A subscription on the dead-letter topic, read by `takeDeadLetters()`. */
  deadLetterSubscription?: string;
}

/** A Pub/Sub queue that is also consumed, through a pull subscription. */
export interface PubSubPullQueue<T> extends ConsumableQueue<T> {
  /** Pulls dead letters off `deadLetterSubscription` and acknowledges them there. */
  takeDeadLetters(options?: ReceiveOptions): Promise<DeadLetter<T>[]>;
  /** Closes the clients this queue made (an injected client stays open). */
  close(): Promise<void>;
}

type Raw = { ackId: string; deliveryAttempt: number; message: RawMessage };
type RawMessage = {
  data: Uint8Array | string;
  attributes?: Record<string, string> | null;
  messageId: string;
  publishTime?: { seconds?: number | string | Long | null; nanos?: number | null } | null;
  orderingKey?: string | null;
};
type Long = { toNumber(): number };

const REASON = `${INTERNAL_PREFIX}reason`;
const DEAD_AT = `${INTERNAL_PREFIX}dead-lettered-at`;
const SOURCE_ID = `${INTERNAL_PREFIX}message-id`;
const SOURCE_COUNT = `${INTERNAL_PREFIX}delivery-count`;
const SENT_AT = `${INTERNAL_PREFIX}sent-at`;
const MAX_ACK_SECONDS = 600;
const DEADLINE_EXCEEDED = 4;

/**
 * A Pub/Sub queue consumed through a pull subscription: `receive` pulls and sets each message's
 * ack deadline to the visibility timeout, `complete` acknowledges, `retry` changes the ack
 * deadline to the delay (0 makes it visible at once), `deadLetter` publishes the body, its
 * attributes and the reason to `deadLetterTopic`, then acknowledges.
 *
 * The delivery count is Pub/Sub's `deliveryAttempt`, which it fills only when the subscription
 * has a dead-letter policy; without one the queue counts the deliveries it has seen itself. The
 * queue's `maxAttempts` is enforced here as well, so any value works, while Pub/Sub's own
 * policy allows 5 to 100. A body that cannot be decoded by the queue's kind is dead-lettered.
 *
 * Pub/Sub accepts an expired ack id without effect, so settling with the receipt of an earlier
 * delivery is refused with `PRECONDITION_FAILED` only when this queue object has received a
 * newer delivery of the message since.
 *
 * @example
 * const jobs = createPubSubPullQueue({ queue: jobsRef, subscription: 'jobs-worker',
 *   deadLetterTopic: 'jobs-dead' });
 * for (const message of await jobs.receive({ maxMessages: 10, waitMs: 5000 })) {
 *   await work(message.body);
 *   await jobs.complete(message);
 * }
 */
export function createPubSubPullQueue<T>(options: PubSubPullQueueOptions<T>): PubSubPullQueue<T> {
  const { queue } = options;
  const client = fromSource(options.client, () => createPubSubClient(options.clientOptions));
  const publisher = createPubSubQueue({ ...options, client });
  const seen = new Map<string, number>();
  // Pub/Sub accepts an expired ack id without effect: settling refuses those it can tell.
  const receipts = new LatestReceipts();
  const checkReceipt = (message: ReceivedMessage<T>, action: string) =>
    receipts.check(message, { queue: queue.name, action, provider: PROVIDER });
  const subscriber = lazy(async () => {
    const pubsub = await client();
    const { v1: gapic } = await loadPubSub();
    const { port, ...config } = await pubsub.getClientConfig();
    const options = { ...config, ...(port === undefined ? {} : { port: Number(port) }) };
    return { pubsub, api: new gapic.SubscriberClient(options) as v1.SubscriberClient };
  });
  const path = (pubsub: PubSub, name: string) =>
    name.startsWith('projects/') ? name : `projects/${pubsub.projectId}/subscriptions/${name}`;
  const fail = (error: unknown, action: string) => toQueueError(error, queue.name, action);

  const pull = async (name: string, receive: ReceiveOptions): Promise<Raw[]> => {
    const maxMessages = receive.maxMessages ?? 1;
    if (!Number.isSafeInteger(maxMessages) || maxMessages < 1 || maxMessages > 1000) {
      throw new InvalidConfigError(`maxMessages ${maxMessages} must be 1 to 1000.`, {
        provider: PROVIDER,
      });
    }
    const { pubsub, api } = await subscriber();
    const subscription = path(pubsub, name);
    const deadline = Date.now() + (receive.waitMs ?? 0);
    for (;;) {
      receive.signal?.throwIfAborted();
      const left = deadline - Date.now();
      try {
        const [response] = await api.pull(
          { subscription, maxMessages, returnImmediately: left <= 0 },
          { timeout: Math.max(left, 2000) },
        );
        const received = (response.receivedMessages ?? []) as Raw[];
        if (received.length > 0 || Date.now() >= deadline) return received;
      } catch (error) {
        if ((error as { code?: unknown }).code !== DEADLINE_EXCEEDED) throw fail(error, 'pull');
        if (Date.now() >= deadline) return [];
      }
    }
  };

  const ackDeadline = async (receipts: string[], seconds: number) => {
    const { pubsub, api } = await subscriber();
    const subscription = path(pubsub, options.subscription);
    try {
      await api.modifyAckDeadline({ subscription, ackIds: receipts, ackDeadlineSeconds: seconds });
    } catch (error) {
      throw fail(error, 'change the ack deadline');
    }
  };

  const publishDeadLetter = async (data: Buffer, attributes: Record<string, string>) => {
    if (!options.deadLetterTopic) {
      throw new InvalidConfigError(
        `Queue ${JSON.stringify(queue.name)} has no deadLetterTopic, so it cannot dead-letter.`,
        { provider: PROVIDER },
      );
    }
    try {
      await (await client()).topic(options.deadLetterTopic).publishMessage({ data, attributes });
    } catch (error) {
      throw fail(error, 'publish a dead letter');
    }
  };

  const complete = async (receipt: string) => {
    const { pubsub, api } = await subscriber();
    try {
      await api.acknowledge({
        subscription: path(pubsub, options.subscription),
        ackIds: [receipt],
      });
    } catch (error) {
      throw fail(error, 'acknowledge');
    }
  };

  const deadLetterRaw = async (raw: Raw, count: number, reason: string) => {
    const attributes = {
      ...(raw.message.attributes ?? {}),
      [REASON]: truncate(reason),
      [DEAD_AT]: new Date().toISOString(),
      [SOURCE_ID]: raw.message.messageId,
      [SOURCE_COUNT]: String(count),
      [SENT_AT]: toDate(raw.message.publishTime).toISOString(),
    };
    await publishDeadLetter(toBuffer(raw.message.data), attributes);
    await complete(raw.ackId);
  };

  const toReceived = async (raw: Raw): Promise<ReceivedMessage<T> | undefined> => {
    const { message } = raw;
    const count = raw.deliveryAttempt > 0 ? raw.deliveryAttempt : countLocally(seen, message);
    const tooMany = count > queue.maxAttempts;
    if (tooMany && options.deadLetterTopic) {
      await deadLetterRaw(
        raw,
        count,
        `delivered ${count} times; the queue allows ${queue.maxAttempts}`,
      );
      return undefined;
    }
    let body: T;
    try {
      body = decodeBody(queue.body, toBuffer(message.data)) as T;
    } catch (error) {
      if (options.deadLetterTopic) await deadLetterRaw(raw, count, messageOf(error));
      return undefined;
    }

    receipts.record(message.messageId, raw.ackId);

    return {
      messageId: message.messageId,
      body,
      attributes: userAttributes(message.attributes),
      deliveryCount: count,
      orderingKey: message.orderingKey || undefined,
      sentAt: toDate(message.publishTime),
      receipt: raw.ackId,
    };
  };

  const deadLetter = async (message: ReceivedMessage<T>, reason: string) => {
    checkReceipt(message, 'dead-letter');
    const data = Buffer.from(encodeBody(queue.body, message.body));
    await publishDeadLetter(data, {
      ...message.attributes,
      [REASON]: truncate(reason),
      [DEAD_AT]: new Date().toISOString(),
      [SOURCE_ID]: message.messageId,
      [SOURCE_COUNT]: String(message.deliveryCount),
      [SENT_AT]: message.sentAt.toISOString(),
    });
    await complete(message.receipt);
  };

  return {
    queue: publisher.queue,
    body: publisher.body,
    send: publisher.send,
    sendBatch: publisher.sendBatch,

    async receive(receive: ReceiveOptions = {}) {
      const raws = await pull(options.subscription, receive);
      if (raws.length === 0) return [];
      const seconds = receive.visibilityTimeoutSeconds ?? queue.visibilityTimeoutSeconds;
      await ackDeadline(
        raws.map((raw) => raw.ackId),
        Math.min(Math.max(Math.ceil(seconds), 0), MAX_ACK_SECONDS),
      );
      const messages = await Promise.all(raws.map(toReceived));

      return messages.filter((message) => message !== undefined);
    },

    async complete(message) {
      checkReceipt(message, 'complete');
      await complete(message.receipt);
    },

    async retry(message, retry = {}) {
      checkReceipt(message, 'retry');
      const delay = retry.delaySeconds ?? 0;
      if (!Number.isFinite(delay) || delay < 0 || delay > MAX_ACK_SECONDS) {
        throw new InvalidConfigError(
          `A retry delay of ${delay} s is outside Pub/Sub's ack deadline range, 0 to 600 s.`,
          { provider: PROVIDER },
        );
      }
      if (options.deadLetterTopic && message.deliveryCount >= queue.maxAttempts) {
        const { deliveryCount: count } = message;
        await deadLetter(message, `failed its last attempt (${count} of ${queue.maxAttempts})`);
        return;
      }
      await ackDeadline([message.receipt], Math.ceil(delay));
    },

    deadLetter,

    async takeDeadLetters(receive = {}) {
      if (!options.deadLetterSubscription) {
        throw new InvalidConfigError('takeDeadLetters needs a deadLetterSubscription.', {
          provider: PROVIDER,
        });
      }
      const raws = await pull(options.deadLetterSubscription, receive);
      const { pubsub, api } = await subscriber();
      if (raws.length > 0) {
        const subscription = path(pubsub, options.deadLetterSubscription);
        await api.acknowledge({ subscription, ackIds: raws.map((raw) => raw.ackId) });
      }

      return raws.map((raw) => toDeadLetter<T>(queue.body, raw));
    },

    async close() {
      const { api, pubsub } = await subscriber();
      await api.close();
      if (options.client === undefined) await pubsub.close();
    },
  };
}

function toDeadLetter<T>(kind: Parameters<typeof decodeBody>[0], raw: Raw): DeadLetter<T> {
  const attributes = raw.message.attributes ?? {};
  const data = toBuffer(raw.message.data);
  let body: unknown = data;
  try {
    body = decodeBody(kind, data);
  } catch {
    // Kept as bytes: a dead letter may hold exactly the body that could not be decoded.
  }

  return {
    messageId: attributes[SOURCE_ID] ?? raw.message.messageId,
    body: body as T,
    attributes: userAttributes(attributes),
    deliveryCount: Number(attributes[SOURCE_COUNT] ?? 1),
    orderingKey: raw.message.orderingKey || undefined,
    sentAt: new Date(attributes[SENT_AT] ?? toDate(raw.message.publishTime)),
    receipt: raw.ackId,
    reason: attributes[REASON] ?? 'dead-lettered by Pub/Sub after its last delivery attempt',
    deadLetteredAt: new Date(attributes[DEAD_AT] ?? toDate(raw.message.publishTime)),
  };
}

function countLocally(seen: Map<string, number>, message: RawMessage): number {
  const count = (seen.get(message.messageId) ?? 0) + 1;
  // Forget the oldest entries beyond 10,000, so that a long-lived consumer stays small.
  if (seen.size >= 10_000) seen.delete(seen.keys().next().value as string);
  seen.delete(message.messageId);
  seen.set(message.messageId, count);

  return count;
}

function toBuffer(data: Uint8Array | string): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'base64');

  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function toDate(time: RawMessage['publishTime']): Date {
  const seconds = time?.seconds;
  const whole =
    typeof seconds === 'object' && seconds !== null ? seconds.toNumber() : Number(seconds ?? 0);

  return new Date(whole * 1000 + Math.floor((time?.nanos ?? 0) / 1e6));
}

function truncate(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= 1024) return text;

  return `${bytes
    .subarray(0, 1000)
    .toString('utf8')
    .replace(/\uFFFD$/, '')}...`;
}
