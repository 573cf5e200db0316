import type {
  MessageQueue,
  ProviderLimits,
  QueueRef,
  SendEntry,
  SendOptions,
  SendResult,
} from '@cloudport/core';
import type { ClientConfig, PubSub, Topic } from '@google-cloud/pubsub';
import { type ClientSource, createPubSubClient, fromSource, lazy } from '../clients.js';
import { toQueueError } from '../errors.js';
import { PUBSUB_CLIENT_MAX_BATCH_BYTES, PUBSUB_QUEUE_LIMITS } from './pubsub-limits.js';
import { toWireMessage, type WireMessage } from './wire.js';

/** Options of {@link createPubSubQueue}. */
export interface PubSubQueueOptions<T> {
  /** The logical queue: its name and body kind. */
  queue: QueueRef<T>;
  /** The topic id, or `projects/P/topics/T`; defaults to the queue's logical name. */
  topic?: string;
  /** A `PubSub` client to use (or a function giving one); by default one is made on first use. */
  client?: ClientSource<PubSub>;
  /** Options of the client made on first use, such as `projectId` or `apiEndpoint`. */
  clientOptions?: ClientConfig;
  /**
   * The limits enforced before sending; defaults to `PUBSUB_QUEUE_LIMITS`. Batches are never
   * larger than the client's 9 MiB a request, whatever these say.
   */
  limits?: ProviderLimits;
}

/**
 * A queue that publishes to a Pub/Sub topic.
 *
 * Bodies travel as the message data: JSON and text as UTF-8, bytes as they are (the push
 * envelope base64-encodes them, and the adapter decodes them by the queue's kind). Attributes
 * and ordering keys map one to one; a delay or a deduplication id raises `UNSUPPORTED`, since
 * Pub/Sub has neither. Every entry of a batch is checked against the size limits before any is
 * published; the batch is then published in requests of at most 1,000 messages and 9 MiB (the
 * client library's cap; the API takes 10 MB). A publish that fails after part of a batch went
 * out leaves that part published.
 *
 * @example
 * const rows = createPubSubQueue({ queue: rowsRef, topic: 'csv-etl-rows' });
 * await rows.send({ file: 'a.csv', rows: [] }, { attributes: { tenant: 'acme' } });
 */
export function createPubSubQueue<T>(options: PubSubQueueOptions<T>): MessageQueue<T> {
  const { queue } = options;
  const given = (options.limits ?? PUBSUB_QUEUE_LIMITS).queue;
  const maxBatchBytes = Math.min(given.maxBatchBytes, PUBSUB_CLIENT_MAX_BATCH_BYTES);
  const limits = { ...given, maxBatchBytes };
  const client = fromSource(options.client, () => createPubSubClient(options.clientOptions));
  const topic = lazy(async (): Promise<Topic> => {
    // Ordering is switched on for the publisher only; messages without a key are unaffected.
    return (await client()).topic(options.topic ?? queue.name, {
      messageOrdering: true,
      // Without maxBytes the client batches by 1 MiB.
      batching: {
        maxMessages: limits.maxBatchEntries,
        maxBytes: limits.maxBatchBytes,
        maxMilliseconds: 10,
      },
    });
  });

  const publish = async (messages: WireMessage[]): Promise<SendResult[]> => {
    const target = await topic();
    const pending = messages.map((message) =>
      target.publishMessage({
        data: message.data,
        ...(message.attributes ? { attributes: message.attributes } : {}),
        ...(message.orderingKey ? { orderingKey: message.orderingKey } : {}),
      }),
    );
    // Send what is queued now rather than after the batching delay.
    const flushed = target.flush();
    const settled = await Promise.allSettled([...pending, flushed]);
    const failed = settled.find((result) => result.status === 'rejected');
    if (failed) {
      // A failed publish pauses its ordering key in the client; later sends should go through.
      for (const message of messages) {
        if (message.orderingKey) target.resumePublishing(message.orderingKey);
      }
      throw toQueueError(failed.reason, queue.name, 'publish');
    }

    return settled.slice(0, messages.length).map((result) => ({
      messageId: (result as PromiseFulfilledResult<string>).value,
    }));
  };

  const sendBatch = async (entries: ReadonlyArray<SendEntry<T>>): Promise<SendResult[]> => {
    const messages = entries.map((entry) => toWireMessage(queue.name, queue.body, entry, limits));
    const results: SendResult[] = [];
    for (const group of splitBatches(messages, limits.maxBatchEntries, limits.maxBatchBytes)) {
      results.push(...(await publish(group)));
    }

    return results;
  };

  return {
    queue: queue.name,
    body: queue.body,
    sendBatch,
    send: async (body: T, send: SendOptions = {}) =>
      (await sendBatch([{ ...send, body }]))[0] as SendResult,
  };
}

/** Cuts messages into groups within the batch count and size limits, keeping their order. */
export function splitBatches(
  messages: WireMessage[],
  maxEntries: number,
  maxBytes: number,
): WireMessage[][] {
  const groups: WireMessage[][] = [];
  let group: WireMessage[] = [];
  let bytes = 0;
  for (const message of messages) {
    const full =
      group.length >= maxEntries || (group.length > 0 && bytes + message.size > maxBytes);
    if (full) {
      groups.push(group);
      group = [];
      bytes = 0;
    }
    group.push(message);
    bytes += message.size;
  }
  if (group.length > 0) groups.push(group);

  return groups;
}
