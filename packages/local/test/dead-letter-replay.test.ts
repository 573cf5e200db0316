import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type DeadLetterRecord,
  definePipeline,
  isCloudportError,
  type NeutralEvent,
  onMessage,
  type QueueRef,
  queue as queueRef,
  type SendOptions,
} from '@cloudport/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LocalQueue, openLocalQueue } from '../src/queue/index.js';
import { type DeadLetterSources, replayDeadLetters } from '../src/runtime/dead-letters.js';

const LETTERS = 130;

let root: string;
const opened: LocalQueue<unknown>[] = [];

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'cloudport-replay-'));
});

afterEach(async () => {
  for (const queue of opened.splice(0)) await queue.close();
  await rm(root, { recursive: true, force: true });
});

/** A pipeline whose `orders` handler forwards dead letters to `failed`, with queues on disk. */
async function setup() {
  const orders = queueRef<{ n: number }>('orders');
  const failed = queueRef<DeadLetterRecord>('failed');
  const pipeline = definePipeline('replay', {
    orders: { trigger: onMessage(orders), handler: () => {}, deadLetter: failed },
  });
  const queues = new Map<string, LocalQueue<unknown>>();
  const openQueue = async <T>(ref: QueueRef<T>): Promise<LocalQueue<T>> => {
    let queue = queues.get(ref.name);
    if (!queue) {
      const dir = join(root, ref.name);
      queue = await openLocalQueue({ dir, name: ref.name, body: 'json', logger: false });
      queues.set(ref.name, queue);
      opened.push(queue);
    }
    return queue as LocalQueue<T>;
  };
  const sources: DeadLetterSources = { pipeline, eventQueues: new Map(), openQueue };
  const resent: Array<{ body: unknown; options: SendOptions }> = [];
  const targets = {
    resend: async (_ref: QueueRef<unknown>, body: unknown, options: SendOptions) => {
      resent.push({ body, options });
      return { messageId: `resent-${resent.length}` };
    },
    requeueEvent: async () => expect.fail('no object or schedule event was dead-lettered'),
  };

  return { orders, failed, sources, targets, resent, openQueue };
}

function recordOf(n: number): DeadLetterRecord {
  const event: Partial<NeutralEvent> & { body: unknown } = {
    type: 'message',
    id: `event-${n}`,
    queue: 'orders',
    messageId: `message-${n}`,
    body: { n },
    attributes: {},
  } as never;

  return {
    reason: `order ${n} refused`,
    pipeline: 'replay',
    function: 'orders',
    eventId: `event-${n}`,
    event,
    deadLetteredAt: new Date(0).toISOString(),
  };
}

describe('replaying chosen dead letters', () => {
  it('replays exactly the named records of a bound dead-letter queue among many', async () => {
    const { failed, sources, targets, resent, openQueue } = await setup();
    const records = await openQueue(failed);
    const sent = await records.sendBatch(
      Array.from({ length: LETTERS }, (_, n) => ({ body: recordOf(n) })),
    );
    const ids = sent.map((result) => result.messageId);
    // One by message id and two by event id, spread past the first hundred.
    const chosen = [ids[3] as string, 'event-101', 'event-127'];

    expect(await replayDeadLetters(sources, chosen, targets)).toBe(3);

    expect(resent.map(({ body }) => body)).toEqual([{ n: 3 }, { n: 101 }, { n: 127 }]);
    expect(resent.map(({ options }) => options.attributes?.['cloudport-event-id'])).toEqual([
      'event-3',
      'event-101',
      'event-127',
    ]);
    const left = await records.browse();
    expect(left.map((message) => (message.body as DeadLetterRecord).eventId)).toEqual(
      Array.from({ length: LETTERS }, (_, n) => `event-${n}`).filter(
        (id) => !['event-3', 'event-101', 'event-127'].includes(id),
      ),
    );
    expect(left.every((message) => message.deliveryCount === 0)).toBe(true);
    expect(records.counts()).toEqual({ ready: LETTERS - 3, delayed: 0, inFlight: 0, dead: 0 });
  });

  it("replays exactly the named dead letters of a queue's own among many", async () => {
    const { orders, sources, targets, openQueue } = await setup();
    const queue = await openQueue(orders);
    await queue.sendBatch(Array.from({ length: LETTERS }, (_, n) => ({ body: { n } })));
    for (let batch = await queue.receive({ maxMessages: 100 }); batch.length > 0; ) {
      for (const message of batch) await queue.deadLetter(message, `order ${message.body.n}`);
      batch = await queue.receive({ maxMessages: 100 });
    }
    const letters = await queue.deadLetters();
    const chosen = [letters[0], letters[104], letters[129]].map((letter) => letter!.messageId);

    expect(await replayDeadLetters(sources, chosen, targets)).toBe(3);

    const back = await queue.browse();
    expect(back.map((message) => message.messageId)).toEqual(chosen);
    expect(back.every((message) => message.deliveryCount === 0)).toBe(true);
    const still = await queue.deadLetters();
    expect(still.map((letter) => letter.messageId)).toEqual(
      letters.map((letter) => letter.messageId).filter((id) => !chosen.includes(id)),
    );
    expect(still.every((letter) => letter.deliveryCount === 1)).toBe(true);
    expect(
      still.every((letter) => letter.reason === `order ${(letter.body as { n: number }).n}`),
    ).toBe(true);
  });

  it('refuses an unknown id with INVALID_CONFIG naming it, and replays nothing', async () => {
    const { failed, orders, sources, targets, resent, openQueue } = await setup();
    const records = await openQueue(failed);
    const sent = await records.sendBatch(
      Array.from({ length: LETTERS }, (_, n) => ({ body: recordOf(n) })),
    );
    const queue = await openQueue(orders);
    await queue.send({ n: 0 });
    const [message] = await queue.receive();
    await queue.deadLetter(message!, 'refused');

    const replay = replayDeadLetters(sources, [sent[7]!.messageId, 'no-such-letter'], targets);

    const error = await replay.then(
      () => expect.fail('the replay should have been refused'),
      (caught: unknown) => caught,
    );
    expect(isCloudportError(error, 'INVALID_CONFIG')).toBe(true);
    expect((error as Error).message).toContain('no-such-letter');
    expect((error as { messageIds?: unknown }).messageIds).toEqual(['no-such-letter']);
    expect(resent).toEqual([]);
    expect(records.counts()).toEqual({ ready: LETTERS, delayed: 0, inFlight: 0, dead: 0 });
    expect(queue.counts().dead).toBe(1);
  });
});
