import type { DeadLetter, QueueLimits } from '@cloudport/core';
import { GCP_LIMITS, QueueRef } from '@cloudport/core';
import { queueConformance, type SentBatch } from '@cloudport/testing';
import { PubSub } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPubSubPullQueue,
  createPubSubQueue,
  GCP_CAPABILITIES,
  PUBSUB_QUEUE_LIMITS,
  type PubSubPullQueue,
} from '../src/index.js';
import {
  type PubSubEmulator,
  startPubSubEmulator,
  whenEmulator,
} from './support/pubsub-emulator.js';

process.env.METADATA_SERVER_DETECTION = 'none';

if (whenEmulator({ describe, it }, 'Pub/Sub queue on the emulator')) {
  let emulator: PubSubEmulator;
  let pubsub: PubSub;

  beforeAll(async () => {
    emulator = await startPubSubEmulator();
    pubsub = new PubSub({ projectId: emulator.projectId, apiEndpoint: emulator.endpoint });
    countPublishes(pubsub);
  }, 90_000);

  afterAll(async () => {
    await pubsub?.close();
    await emulator?.stop();
  });

  /** A topic, its pull subscription, and a dead-letter topic with its own subscription. */
  async function provision(name: string, visibilityTimeoutSeconds: number) {
    const [topic] = await pubsub.createTopic(name);
    const [dead] = await pubsub.createTopic(`${name}-dead`);
    await dead.createSubscription(`${name}-dead-sub`);
    await topic.createSubscription(`${name}-sub`, {
      ackDeadlineSeconds: Math.max(10, visibilityTimeoutSeconds),
      enableMessageOrdering: true,
      deadLetterPolicy: { deadLetterTopic: dead.name, maxDeliveryAttempts: 100 },
    });
  }

  const dlq = new WeakMap<object, PubSubPullQueue<unknown>>();
  /** Publish requests by topic: messages and the bytes Pub/Sub counts (data, attributes, key). */
  const published = new Map<string, SentBatch[]>();

  /** Records every publish request; topics bind the client's request method when made. */
  function countPublishes(client: PubSub): void {
    type Published = {
      data?: Uint8Array;
      attributes?: Record<string, string>;
      orderingKey?: string;
    };
    const request = client.request.bind(client);
    client.request = ((config: { method: string; reqOpts: object }, callback: never) => {
      if (config.method === 'publish') {
        const { topic, messages } = config.reqOpts as { topic: string; messages: Published[] };
        const id = topic.slice(topic.lastIndexOf('/') + 1);
        const bytes = messages.reduce(
          (sum, message) =>
            sum +
            (message.data?.length ?? 0) +
            Buffer.byteLength(message.orderingKey ?? '') +
            Object.entries(message.attributes ?? {}).reduce(
              (total, [name, value]) => total + Buffer.byteLength(name) + Buffer.byteLength(value),
              0,
            ),
          0,
        );
        published.set(id, [...(published.get(id) ?? []), { entries: messages.length, bytes }]);
      }
      return request(config as never, callback);
    }) as typeof client.request;
  }

  queueConformance(
    { describe, it },
    {
      name: 'Pub/Sub on the emulator',
      capabilities: GCP_CAPABILITIES,
      // The batch bytes are the client library's 9 MiB a request, below the API's 10 MB.
      limits: PUBSUB_QUEUE_LIMITS,
      // Collecting the 1,005-message batch takes the emulator about two seconds, 10 messages a
      // pull; a visibility timeout of 3 s keeps the first ones hidden until the last arrive.
      timeScale: 3,
      async create({ name, ...settings }) {
        await provision(name, settings.visibilityTimeoutSeconds);
        const queue = createPubSubPullQueue({
          queue: new QueueRef(name, settings),
          subscription: `${name}-sub`,
          deadLetterTopic: `${name}-dead`,
          deadLetterSubscription: `${name}-dead-sub`,
          client: pubsub,
        });
        dlq.set(queue, queue as PubSubPullQueue<unknown>);
        return queue;
      },
      async deadLetters(queue) {
        const letters: DeadLetter<unknown>[] = [];
        const source = dlq.get(queue) as PubSubPullQueue<unknown>;
        for (;;) {
          const batch = await source.takeDeadLetters({ maxMessages: 100, waitMs: 1000 });
          if (batch.length === 0) return letters;
          letters.push(...batch);
        }
      },
      cleanup: (queue) => (queue as PubSubPullQueue<unknown>).close(),
      sentBatches: (queue) => published.get(queue.queue) ?? [],
    },
  );

  describe('Pub/Sub queue beyond the suite', () => {
    it('marks an empty body so that Pub/Sub accepts it, and hides the mark', async () => {
      await provision('empty-bodies', 10);
      const queue = createPubSubPullQueue({
        queue: new QueueRef('empty-bodies', { body: 'text' }),
        subscription: 'empty-bodies-sub',
        client: pubsub,
      });
      await queue.send('');
      const [message] = await queue.receive({ waitMs: 3000 });
      expect(message?.body).toBe('');
      expect(message?.attributes).toEqual({});
      await queue.close();
    });

    it('refuses oversized attributes and reserved names before publishing', async () => {
      const queue = createPubSubQueue({ queue: new QueueRef('never-created'), client: pubsub });
      const limits: QueueLimits = GCP_LIMITS.queue;
      await expect(queue.send({}, { attributes: { a: 'x'.repeat(1025) } })).rejects.toMatchObject({
        code: 'MESSAGE_TOO_LARGE',
      });
      const many = Object.fromEntries(
        Array.from({ length: limits.maxAttributes + 1 }, (_, n) => [`a${n}`, 'v']),
      );
      await expect(queue.send({}, { attributes: many })).rejects.toMatchObject({
        code: 'MESSAGE_TOO_LARGE',
      });
      await expect(queue.send({}, { attributes: { googx: '1' } })).rejects.toMatchObject({
        code: 'INVALID_CONFIG',
      });
      // A topic that does not exist would answer NOT_FOUND, so these never reached Pub/Sub.
      await expect(queue.send({}, { orderingKey: 'k'.repeat(1025) })).rejects.toMatchObject({
        code: 'MESSAGE_TOO_LARGE',
        size: 1025,
        limit: 1024,
      });
    });

    it('names a missing topic as a configuration problem, keeping the gRPC error', async () => {
      const queue = createPubSubQueue({ queue: new QueueRef('no-such-topic'), client: pubsub });
      const error = await queue.send({ n: 1 }).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'INVALID_CONFIG', provider: 'gcp' });
      expect((error as Error).message).toContain('queue "no-such-topic"');
      expect((error as Error).cause).toMatchObject({ code: 5 });
    });
  });
}
