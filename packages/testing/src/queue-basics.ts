import assert from 'node:assert/strict';
import type { BodyKind } from '@cloudport/core';
import { rejectsWith } from './assertions.js';
import { nothingArrives, one, type QueueContext } from './queue-context.js';

const UNICODE = 'Grüße, 東京, emoji 🚀👩‍💻, tab\tnew\nline, ￼ and 𝄞';
const JSON_BODY = { id: 'a-1', n: -12.5, ok: true, none: null, list: [1, 'two', { three: 3 }] };

const cyclic: Record<string, unknown> = { name: 'loop' };
cyclic.self = cyclic;

/** Bodies that do not fit each kind: a queue must refuse them before sending. */
const WRONG_BODIES: Record<BodyKind, Array<[string, unknown]>> = {
  json: [
    ['a BigInt', 10n],
    ['a cyclic object', cyclic],
    ['undefined', undefined],
  ],
  text: [
    ['a number', 42],
    ['bytes', new Uint8Array([104, 105])],
  ],
  bytes: [
    ['a string', 'not bytes'],
    ['an array of numbers', [1, 2, 3]],
  ],
};

/** Bodies of every kind, message facts and receiving. */
export function defineBodies(context: QueueContext): void {
  const { test, slackMs, scale } = context;

  test('send returns a distinct non-empty message id for every message', {}, async (queue) => {
    const ids = [];
    for (const n of [1, 2, 3]) ids.push((await queue.send({ n })).messageId);
    assert.ok(
      ids.every((id) => typeof id === 'string' && id.length > 0),
      'ids are strings',
    );
    assert.equal(new Set(ids).size, 3, 'ids are distinct');
  });

  test('a json body round trips nested objects, arrays, numbers and null', {}, async (queue) => {
    const { messageId } = await queue.send(JSON_BODY);
    const message = await one(queue, slackMs);
    assert.equal(message.messageId, messageId);
    assert.deepEqual(message.body, JSON_BODY);
  });

  test('a text body round trips unicode unchanged', { body: 'text' }, async (queue) => {
    await queue.send(UNICODE);
    assert.equal((await one(queue, slackMs)).body, UNICODE);
  });

  test('a bytes body round trips every byte value 0-255', { body: 'bytes' }, async (queue) => {
    const bytes = new Uint8Array(512).map((_, at) => (at < 256 ? at : 511 - at));
    await queue.send(bytes);
    const { body } = await one(queue, slackMs);
    assert.ok(body instanceof Uint8Array, 'a bytes body arrives as a Uint8Array');
    assert.deepEqual([...body], [...bytes]);
  });

  test('empty text bodies round trip as empty, with or without attributes', {
    body: 'text',
  }, async (queue) => {
    // A queue may mark an empty body with an attribute of its own; none may show.
    const attributes = context.support('queue.attributes') === 'no' ? [] : [{ kind: 'none' }];
    for (const given of attributes) await queue.send('', { attributes: given });
    await queue.send('');
    const received = [];
    for (let count = 0; count <= attributes.length; count++) {
      received.push(await one(queue, slackMs));
    }
    assert.deepEqual(
      received.map((message) => message.body),
      received.map(() => ''),
      'every empty text body arrives empty',
    );
    assert.deepEqual(
      received
        .map((message) => ({ ...message.attributes }))
        .sort((a, b) => Object.keys(b).length - Object.keys(a).length),
      [...attributes, {}],
      'an empty body arrives with the attributes it was sent with, and no others',
    );
  });

  test('an empty bytes body round trips as no bytes', { body: 'bytes' }, async (queue) => {
    await queue.send(new Uint8Array(0));
    const { body } = await one(queue, slackMs);
    assert.ok(body instanceof Uint8Array, 'an empty bytes body arrives as a Uint8Array');
    assert.equal(body.byteLength, 0);
  });

  for (const kind of ['json', 'text', 'bytes'] as const) {
    test(`a body that does not fit a ${kind} queue raises INVALID_MESSAGE and sends nothing`, {
      body: kind,
    }, async (queue) => {
      for (const [what, body] of WRONG_BODIES[kind]) {
        await rejectsWith(() => queue.send(body), 'INVALID_MESSAGE', `send(${what})`);
      }
      if (context.support('queue.batch-send') !== 'no') {
        const good = kind === 'json' ? { n: 1 } : kind === 'text' ? 'fine' : new Uint8Array([1]);
        const [what, bad] = WRONG_BODIES[kind][0] as [string, unknown];
        const batch = [{ body: good }, { body: bad }];
        await rejectsWith(() => queue.sendBatch(batch), 'INVALID_MESSAGE', `a batch with ${what}`);
      }
      await nothingArrives(queue, 500 * scale, 'nothing of a refused send was sent');
    });
  }

  test('a first delivery has deliveryCount 1, its send time and a receipt', {}, async (queue) => {
    const before = Date.now();
    await queue.send({ n: 1 });
    const message = await one(queue, slackMs);
    assert.equal(message.deliveryCount, 1);
    assert.ok(message.receipt.length > 0, 'a receipt is given');
    const sentAt = message.sentAt.getTime();
    assert.ok(sentAt >= before - 5000 && sentAt <= Date.now() + 5000, 'sentAt is the send time');
  });

  test('receive returns no more than maxMessages messages', {}, async (queue) => {
    for (const n of [1, 2, 3, 4, 5]) await queue.send({ n });
    const batch = await queue.receive({ maxMessages: 3, waitMs: slackMs });
    assert.ok(batch.length >= 1 && batch.length <= 3, `got ${batch.length} messages`);
  });

  test('a waiting receive returns a message sent while it waits', {}, async (queue) => {
    const waitMs = 5000 * scale;
    const started = Date.now();
    const waiting = queue.receive({ waitMs });
    const sending = new Promise((done) => setTimeout(done, 200)).then(() =>
      queue.send({ n: 'late' }),
    );
    const [messages] = await Promise.all([waiting, sending]);
    assert.deepEqual(
      messages.map((message) => message.body),
      [{ n: 'late' }],
    );
    assert.ok(Date.now() - started < waitMs - 1000, 'the receive returned before its wait ran out');
  });
}

/** Attributes, delays, ordering keys and deduplication ids: working, or UNSUPPORTED. */
export function defineSendOptions(context: QueueContext): void {
  const { test, support, slackMs, scale, visibility } = context;

  if (support('queue.attributes') === 'no') {
    test('sending attributes raises UNSUPPORTED', {}, async (queue) => {
      await rejectsWith(() => queue.send({ n: 1 }, { attributes: { a: 'b' } }), 'UNSUPPORTED');
    });
  } else {
    test('attributes round trip as strings', {}, async (queue) => {
      const attributes = { kind: 'row', 'file-name': 'orders 2026.csv', empty: '', uni: 'ü✓' };
      await queue.send({ n: 1 }, { attributes });
      assert.deepEqual((await one(queue, slackMs)).attributes, attributes);
    });
  }

  const delaySeconds = visibility;
  if (support('queue.delay') === 'no') {
    test('sending with a delay raises UNSUPPORTED', {}, async (queue) => {
      await rejectsWith(() => queue.send({ n: 1 }, { delaySeconds }), 'UNSUPPORTED');
    });
  } else {
    test('a delayed message is received after its delay, not before', {}, async (queue) => {
      const sent = Date.now();
      await queue.send({ n: 'delayed' }, { delaySeconds });
      await nothingArrives(queue, 0, 'not visible at once');
      const message = await one(queue, delaySeconds * 1000 + slackMs);
      assert.deepEqual(message.body, { n: 'delayed' });
      assert.ok(Date.now() - sent >= delaySeconds * 1000 - 50, 'received after the delay');
    });
  }

  const ordering = support('queue.ordering-key');
  if (ordering === 'no') {
    test('sending with an ordering key raises UNSUPPORTED', {}, async (queue) => {
      await rejectsWith(() => queue.send({ n: 1 }, { orderingKey: 'a' }), 'UNSUPPORTED');
    });
  } else {
    const strict = ordering === 'yes';
    const how = strict ? ', one at a time per key' : '';
    test(`messages with the same ordering key arrive in send order${how}`, {}, async (queue) => {
      const sends = [
        ['A', 1],
        ['B', 1],
        ['A', 2],
        ['A', 3],
        ['B', 2],
      ] as const;
      for (const [key, n] of sends) await queue.send({ key, n }, { orderingKey: key });
      const order: Record<string, number[]> = { A: [], B: [] };
      const deadline = Date.now() + slackMs * 5;
      for (let got = 0; got < sends.length; ) {
        assert.ok(Date.now() < deadline, `only ${got} of ${sends.length} messages arrived`);
        const held = await queue.receive({ maxMessages: 10, waitMs: 500 * scale });
        if (strict) held.push(...(await queue.receive({ maxMessages: 10, waitMs: 200 * scale })));
        const keys = held.map((m) => m.orderingKey);
        if (strict) {
          assert.equal(new Set(keys).size, keys.length, `two of one key in flight: ${keys}`);
        }
        for (const message of held) {
          const { key, n } = message.body as { key: string; n: number };
          assert.equal(message.orderingKey, key, 'the ordering key round trips');
          order[key]?.push(n);
          await queue.complete(message);
          got += 1;
        }
      }
      assert.deepEqual(order, { A: [1, 2, 3], B: [1, 2] });
    });
  }

  if (support('queue.deduplication') === 'no') {
    test('sending with a deduplication id raises UNSUPPORTED', {}, async (queue) => {
      await rejectsWith(() => queue.send({ n: 1 }, { deduplicationId: 'd-1' }), 'UNSUPPORTED');
    });
  } else {
    test('a resend with one deduplication id is accepted, delivered once', {}, async (queue) => {
      const first = await queue.send({ n: 'first' }, { deduplicationId: 'order-7' });
      await queue.send({ n: 'second' }, { deduplicationId: 'order-7' });
      const message = await one(queue, slackMs);
      await nothingArrives(queue, 500 * scale, 'the duplicate was not enqueued');
      assert.deepEqual(message.body, { n: 'first' });
      assert.equal(message.messageId, first.messageId);
      assert.equal(message.deduplicationId, 'order-7');
    });
  }
}
