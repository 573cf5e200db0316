import assert from 'node:assert/strict';
import type {
  BodyKind,
  CapabilityDeclaration,
  ConsumableQueue,
  DeadLetter,
  ErrorCode,
  FeatureId,
  ProviderLimits,
  ReceivedMessage,
  SupportLevel,
} from '@cloudport/core';
import type { TestRunner } from './runner.js';

/** The settings each test creates its fresh queue with. */
export interface QueueSuiteSettings {
  /** A unique, portable queue name for this test. */
  name: string;
  body: BodyKind;
  maxAttempts: number;
  visibilityTimeoutSeconds: number;
}

/** A queue under test; any body type. */
type AnyQueue = ConsumableQueue<unknown>;

/** Options of {@link queueConformance}. */
export interface QueueConformanceOptions {
  /** Names the suite in the runner's output, such as `local` or `sqs on moto`. */
  name: string;
  /** What the queue declares: supported features must work, `no` ones raise `UNSUPPORTED`. */
  capabilities: CapabilityDeclaration;
  /** A fresh, empty queue for one test. */
  create(settings: QueueSuiteSettings): AnyQueue | Promise<AnyQueue>;
  /** Runs after every test, passed or failed, with the queue it used: close it, delete it. */
  cleanup?(queue: AnyQueue): unknown;
  /** The limits the queue enforces; turns on the size and batch-splitting tests. */
  limits?: ProviderLimits;
  /** Lists dead letters where the implementation can; turns on the reason checks. */
  deadLetters?(queue: AnyQueue): Promise<ReadonlyArray<DeadLetter<unknown>>>;
  /** Multiplies every timeout, delay and wait, for slow emulators. Defaults to 1. */
  timeScale?: number;
}

const UNICODE = 'Grüße, 東京, emoji 🚀👩‍💻, tab\tnew\nline, ￼ and 𝄞';
const JSON_BODY = { id: 'a-1', n: -12.5, ok: true, none: null, list: [1, 'two', { three: 3 }] };

/**
 * Registers the queue conformance tests with a test runner. Assertions use
 * `node:assert/strict`, so Vitest, Jest and `node:test` all run it.
 *
 * Where the implementation declares a queue feature unsupported, the suite checks that using
 * it raises `UNSUPPORTED`. With `limits`, an oversized message, and a batch holding one, must
 * raise `MESSAGE_TOO_LARGE` with nothing sent: batches are checked whole before any entry is
 * sent. Redelivery and dead-lettering declared `no` are not tested, since they cannot fail loud.
 *
 * @example
 * import { describe, it } from 'vitest';
 * queueConformance({ describe, it }, {
 *   name: 'local',
 *   capabilities: LOCAL_CAPABILITIES,
 *   create: (settings) => openLocalQueue({ ...settings, dir: freshDir() }),
 *   cleanup: (queue) => (queue as LocalQueue).close(),
 * });
 */
export function queueConformance(runner: TestRunner, options: QueueConformanceOptions): void {
  const scale = options.timeScale ?? 1;
  const visibility = Math.ceil(scale);
  const slackMs = 2000 * scale;
  const support = (feature: FeatureId): SupportLevel =>
    options.capabilities.features[feature].support;
  // Queue names unique per run, for emulators that keep queues between runs.
  const run = `${Date.now().toString(36).slice(-4)}${Math.floor(Math.random() * 1296)}`;
  let count = 0;
  const test = (
    title: string,
    settings: Partial<QueueSuiteSettings>,
    body: (queue: AnyQueue) => Promise<void>,
  ) => {
    runner.it(
      title,
      async () => {
        count += 1;
        const queue = await options.create({
          name: `conf-${run}-${count}`,
          body: 'json',
          maxAttempts: 5,
          visibilityTimeoutSeconds: visibility,
          ...settings,
        });
        try {
          await body(queue);
        } finally {
          await options.cleanup?.(queue);
        }
      },
      60_000 * scale,
    );
  };
  const collect = (queue: AnyQueue, wanted: number) =>
    collectMessages(queue, wanted, slackMs + wanted * 20 * scale);
  const one = async (queue: AnyQueue, withinMs = slackMs) =>
    (await collectMessages(queue, 1, withinMs))[0] as ReceivedMessage<unknown>;
  const nothingArrives = async (queue: AnyQueue, ms: number, why: string) => {
    const late = await queue.receive({ maxMessages: 10, waitMs: ms });
    assert.deepEqual(late.map(bodyOf), [], why);
  };

  runner.describe(`queue conformance: ${options.name}`, () => {
    test('send returns a distinct non-empty message id for every message', {}, async (queue) => {
      const ids = [];
      for (const n of [1, 2, 3]) ids.push((await queue.send({ n })).messageId);
      assert.ok(
        ids.every((id) => typeof id === 'string' && id.length > 0),
        'ids are strings',
      );
      assert.equal(new Set(ids).size, 3, 'ids are distinct');
    });

    test('a json body round trips with nested objects, arrays, numbers and null', {}, async (queue) => {
      const { messageId } = await queue.send(JSON_BODY);
      const message = await one(queue);
      assert.equal(message.messageId, messageId);
      assert.deepEqual(message.body, JSON_BODY);
    });

    test('a text body round trips unicode unchanged', { body: 'text' }, async (queue) => {
      await queue.send(UNICODE);
      assert.equal((await one(queue)).body, UNICODE);
    });

    test('a bytes body round trips every byte value 0-255', { body: 'bytes' }, async (queue) => {
      const bytes = new Uint8Array(512).map((_, at) => (at < 256 ? at : 511 - at));
      await queue.send(bytes);
      const { body } = await one(queue);
      assert.ok(body instanceof Uint8Array, 'a bytes body arrives as a Uint8Array');
      assert.deepEqual([...body], [...bytes]);
    });

    test('a first delivery has deliveryCount 1, its send time and a receipt', {}, async (queue) => {
      const before = Date.now();
      await queue.send({ n: 1 });
      const message = await one(queue);
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
      assert.deepEqual(messages.map(bodyOf), [{ n: 'late' }]);
      assert.ok(
        Date.now() - started < waitMs - 1000,
        'the receive returned before its wait ran out',
      );
    });

    if (support('queue.attributes') === 'no') {
      test('sending attributes raises UNSUPPORTED', {}, async (queue) => {
        await rejectsWith(() => queue.send({ n: 1 }, { attributes: { a: 'b' } }), 'UNSUPPORTED');
      });
    } else {
      test('attributes round trip as strings', {}, async (queue) => {
        const attributes = { kind: 'row', 'file-name': 'orders 2026.csv', empty: '', uni: 'ü✓' };
        await queue.send({ n: 1 }, { attributes });
        assert.deepEqual((await one(queue)).attributes, attributes);
      });
    }

    if (support('queue.batch-send') === 'no') {
      test('sendBatch raises UNSUPPORTED', {}, async (queue) => {
        await rejectsWith(() => queue.sendBatch([{ body: { n: 1 } }]), 'UNSUPPORTED');
      });
    } else {
      const limit = options.limits?.queue.maxBatchEntries;
      const size = limit === undefined ? 25 : limit + Math.min(limit, 5);
      const beyond = limit === undefined ? '' : ` beyond the ${limit}-entry provider limit`;
      test(`a batch of ${size} entries${beyond} is sent whole and every entry arrives once`, {}, async (queue) => {
        const entries = Array.from({ length: size }, (_, n) => ({ body: { n } }));
        const results = await queue.sendBatch(entries);
        assert.equal(results.length, size, 'one result per entry');
        assert.equal(new Set(results.map((r) => r.messageId)).size, size, 'ids are distinct');
        const received = await collect(queue, size);
        const numbers = received.map((m) => (m.body as { n: number }).n).sort((a, b) => a - b);
        assert.deepEqual(
          numbers,
          entries.map((_, n) => n),
        );
        const byId = new Map(received.map((m) => [m.messageId, (m.body as { n: number }).n]));
        const order = results.map((result) => byId.get(result.messageId));
        assert.deepEqual(
          order,
          entries.map((_, n) => n),
          'each id belongs to its entry',
        );
      });
    }

    const limits = options.limits?.queue;
    if (limits) {
      const tooLarge = 'x'.repeat(limits.maxMessageBytes + 1);
      test(`a message over ${limits.maxMessageBytes} bytes raises MESSAGE_TOO_LARGE and is not sent`, {
        body: 'text',
      }, async (queue) => {
        await rejectsWith(() => queue.send(tooLarge), 'MESSAGE_TOO_LARGE');
        await nothingArrives(queue, 500 * scale, 'nothing was sent');
      });
      if (support('queue.batch-send') !== 'no') {
        test('a batch holding one oversized entry raises MESSAGE_TOO_LARGE and sends none', {
          body: 'text',
        }, async (queue) => {
          const batch = [{ body: 'first' }, { body: tooLarge }, { body: 'last' }];
          await rejectsWith(() => queue.sendBatch(batch), 'MESSAGE_TOO_LARGE');
          await nothingArrives(queue, 500 * scale, 'no entry of the refused batch was sent');
        });
        const each = Math.floor(Math.min(limits.maxMessageBytes, limits.maxBatchBytes) * 0.6);
        const entries = Math.floor(limits.maxBatchBytes / each) + 1;
        test(`a batch over the ${limits.maxBatchBytes}-byte batch limit is split and every entry arrives`, {
          body: 'text',
        }, async (queue) => {
          const bodies = Array.from({ length: entries }, (_, n) => `${n}${'x'.repeat(each - 1)}`);
          await queue.sendBatch(bodies.map((body) => ({ body })));
          const received = await collect(queue, entries);
          assert.deepEqual(received.map((m) => m.body).sort(), [...bodies].sort());
        });
      }
    }

    const delaySeconds = visibility;
    if (support('queue.delay') === 'no') {
      test('sending with a delay raises UNSUPPORTED', {}, async (queue) => {
        await rejectsWith(() => queue.send({ n: 1 }, { delaySeconds }), 'UNSUPPORTED');
      });
    } else {
      test('a delayed message is not received before its delay and is received after it', {}, async (queue) => {
        const sent = Date.now();
        await queue.send({ n: 'delayed' }, { delaySeconds });
        await nothingArrives(queue, 0, 'not visible at once');
        assert.deepEqual((await one(queue, delaySeconds * 1000 + slackMs)).body, { n: 'delayed' });
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
          if (strict)
            assert.equal(new Set(keys).size, keys.length, `two of one key in flight: ${keys}`);
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
      test('a second send with the same deduplication id is accepted and delivered once', {}, async (queue) => {
        const first = await queue.send({ n: 'first' }, { deduplicationId: 'order-7' });
        await queue.send({ n: 'second' }, { deduplicationId: 'order-7' });
        const message = await one(queue);
        await nothingArrives(queue, 500 * scale, 'the duplicate was not enqueued');
        assert.deepEqual(message.body, { n: 'first' });
        assert.equal(message.messageId, first.messageId);
        assert.equal(message.deduplicationId, 'order-7');
      });
    }

    if (support('queue.redelivery') !== 'no') {
      test('an unsettled message is redelivered after its visibility timeout with a higher deliveryCount', {}, async (queue) => {
        await queue.send({ n: 1 });
        const first = await one(queue);
        await nothingArrives(queue, 0, 'hidden while in flight');
        const second = await one(queue, visibility * 1000 + slackMs);
        assert.equal(second.messageId, first.messageId);
        assert.equal(second.deliveryCount, 2);
        assert.notEqual(second.receipt, first.receipt, 'a new delivery has a new receipt');
        await queue.complete(second);
      });

      test('retry makes the message visible again with a higher deliveryCount', {}, async (queue) => {
        await queue.send({ n: 1 });
        const first = await one(queue);
        await queue.retry(first);
        const second = await one(queue);
        assert.equal(second.messageId, first.messageId);
        assert.equal(second.deliveryCount, 2);
      });

      test('retry with a delay keeps the message hidden until the delay has passed', {}, async (queue) => {
        await queue.send({ n: 1 });
        const first = await one(queue);
        const retried = Date.now();
        await queue.retry(first, { delaySeconds });
        await nothingArrives(queue, 0, 'hidden during the retry delay');
        const second = await one(queue, delaySeconds * 1000 + slackMs);
        assert.equal(second.messageId, first.messageId);
        assert.ok(Date.now() - retried >= delaySeconds * 1000 - 50, 'received after the delay');
      });
    }

    if (support('queue.dead-letter') !== 'no') {
      test('a message that fails its last attempt is dead-lettered, not delivered again', {
        maxAttempts: 2,
      }, async (queue) => {
        const { messageId } = await queue.send({ n: 1 });
        for (const attempt of [1, 2]) {
          const message = await one(queue);
          assert.equal(message.deliveryCount, attempt);
          await queue.retry(message);
        }
        await nothingArrives(queue, visibility * 1000 + 500 * scale, 'no third delivery');
        if (!options.deadLetters) return;
        const letter = (await options.deadLetters(queue)).find((l) => l.messageId === messageId);
        assert.ok(letter, 'the message is among the dead letters');
        assert.ok(letter.reason.length > 0, 'the dead letter carries a reason');
        assert.deepEqual(letter.body, { n: 1 });
      });
    }

    test('deadLetter sets the message aside for good with its reason', {}, async (queue) => {
      const { messageId } = await queue.send({ n: 1 });
      await queue.deadLetter(await one(queue), 'row 7 has no id');
      await nothingArrives(queue, visibility * 1000 + 500 * scale, 'not delivered again');
      if (!options.deadLetters) return;
      const letter = (await options.deadLetters(queue)).find((l) => l.messageId === messageId);
      assert.ok(letter, 'the message is among the dead letters');
      assert.ok(letter.reason.includes('row 7 has no id'), 'the reason is kept');
      assert.ok(letter.deadLetteredAt instanceof Date, 'the time is kept');
    });

    test('a completed message is not delivered again, even after its visibility timeout', {}, async (queue) => {
      await queue.send({ n: 1 });
      await queue.complete(await one(queue));
      await nothingArrives(queue, visibility * 1000 + 500 * scale, 'not delivered again');
    });
  });
}

/** Receives until `wanted` messages arrived or `withinMs` passed; settles none of them. */
async function collectMessages(
  queue: AnyQueue,
  wanted: number,
  withinMs: number,
): Promise<ReceivedMessage<unknown>[]> {
  const received: ReceivedMessage<unknown>[] = [];
  const deadline = Date.now() + withinMs;
  while (received.length < wanted) {
    const left = deadline - Date.now();
    assert.ok(left > 0, `only ${received.length} of ${wanted} messages arrived in ${withinMs} ms`);
    const maxMessages = Math.min(10, wanted - received.length);
    received.push(...(await queue.receive({ maxMessages, waitMs: Math.min(left, 1000) })));
  }

  return received;
}

/** Asserts that `action` returns a promise rejected with `code` (a synchronous throw fails). */
async function rejectsWith(action: () => Promise<unknown>, code: ErrorCode): Promise<void> {
  let promise: Promise<unknown>;
  try {
    promise = action();
  } catch (error) {
    assert.fail(`expected a promise rejected with ${code}, but the call threw: ${String(error)}`);
  }
  await assert.rejects(promise, (error: unknown) => {
    // Compare codes rather than classes: the queue may load another copy of the core.
    const actual = (error as { code?: unknown } | null)?.code;
    assert.equal(actual, code, `expected ${code}, got ${String(error)}`);
    return true;
  });
}

function bodyOf(message: ReceivedMessage<unknown>): unknown {
  return message.body;
}
