import assert from 'node:assert/strict';
import type { QueueLimits } from '@cloudport/core';
import { rejectsWith } from './assertions.js';
import {
  type AnyQueue,
  drainMessages,
  nothingArrives,
  one,
  type QueueContext,
  type SentBatch,
} from './queue-context.js';

/** Reads the provider calls a queue has made to send; see `QueueConformanceOptions`. */
export type SentBatches = (
  queue: AnyQueue,
) => ReadonlyArray<SentBatch> | Promise<ReadonlyArray<SentBatch>>;

/** One row of the batch-splitting table: the text bodies of one batch. */
interface BatchCase {
  title: string;
  bodies: string[];
}

/** Text bodies of the given byte sizes, each numbered so that all differ. */
function bodiesOf(sizes: number[]): string[] {
  return sizes.map((size, n) => String(n).padStart(size, '0').slice(-size));
}

/**
 * The batches at the exact limits and one past them: entry count and bytes. Byte rows use the
 * fewest entries (at least two) that keep every entry within the message limit.
 */
function batchCases(limits: QueueLimits): BatchCase[] {
  const { maxBatchEntries: entries, maxBatchBytes: bytes, maxMessageBytes } = limits;
  const count = Math.max(2, Math.floor(bytes / maxMessageBytes) + 1);
  const base = Math.floor(bytes / count);
  const sizes = Array.from({ length: count }, (_, n) => base + (n < bytes - base * count ? 1 : 0));
  const rows: BatchCase[] = [
    {
      title: `a batch of exactly ${entries} entries`,
      bodies: bodiesOf(Array(entries).fill(8)),
    },
    {
      title: `a batch of ${entries + 1} entries, one over the entry limit,`,
      bodies: bodiesOf(Array(entries + 1).fill(8)),
    },
    { title: `a batch of exactly ${bytes} bytes`, bodies: bodiesOf(sizes) },
    {
      title: `a batch of ${bytes + 1} bytes, one over the byte limit,`,
      bodies: bodiesOf(sizes.map((size, n) => (n === 0 ? size + 1 : size))),
    },
  ];

  return rows.filter((row) => row.bodies.length <= 20_000);
}

/** Checks the calls of one batch: within the limits, packed full, every entry in one. */
function checkCalls(calls: ReadonlyArray<SentBatch>, bodies: string[], limits: QueueLimits) {
  const { maxBatchEntries, maxBatchBytes } = limits;
  const shown = calls.map((call) => `${call.entries}/${call.bytes}B`).join(', ');
  const total = calls.reduce((sum, call) => sum + call.entries, 0);
  assert.equal(total, bodies.length, `the calls (${shown}) carried ${total} entries`);
  const bodyBytes = bodies.reduce((sum, body) => sum + Buffer.byteLength(body), 0);
  const reported = calls.reduce((sum, call) => sum + call.bytes, 0);
  assert.ok(reported >= bodyBytes, `the calls report ${reported} bytes for ${bodyBytes} of bodies`);
  for (const [index, call] of calls.entries()) {
    assert.ok(
      call.entries <= maxBatchEntries && call.bytes <= maxBatchBytes,
      `call ${index + 1} of ${shown} is over the ${maxBatchEntries}-entry, ` +
        `${maxBatchBytes}-byte batch limit: the batch was not split`,
    );
    const next = calls[index + 1];
    if (!next) continue;
    // The next entry costs about what the next call spent on each of its entries.
    const nextEntry = next.bytes / next.entries;
    assert.ok(
      call.entries === maxBatchEntries || call.bytes + nextEntry > maxBatchBytes,
      `call ${index + 1} of ${shown} had room for the next entry: the batch was split ` +
        'before it reached a limit',
    );
  }
}

/** Sizes, attribute limits and batch splitting, under the declared provider limits. */
export function defineLimits(context: QueueContext, sentBatches: SentBatches | undefined): void {
  const { test, support, limits, scale, slackMs } = context;
  const batches = support('queue.batch-send') !== 'no';
  if (!batches) {
    test('sendBatch raises UNSUPPORTED', {}, async (queue) => {
      await rejectsWith(() => queue.sendBatch([{ body: { n: 1 } }]), 'UNSUPPORTED');
    });
  }
  if (batches) {
    test('a batch of 25 entries arrives whole, each result id for its entry', {}, async (queue) => {
      const entries = Array.from({ length: 25 }, (_, n) => ({ body: { n } }));
      const results = await queue.sendBatch(entries);
      assert.equal(results.length, entries.length, 'one result per entry');
      const received = await drainMessages(queue, entries.length, slackMs * 2);
      assert.deepEqual(
        results.map((result) => (received.get(result.messageId) as { n: number } | undefined)?.n),
        entries.map((_, n) => n),
        'each result id belongs to its entry',
      );
    });
  }
  if (!limits) return;

  const largest = 'x'.repeat(limits.maxMessageBytes);
  test(`a message of exactly ${limits.maxMessageBytes} bytes is sent and arrives whole`, {
    body: 'text',
  }, async (queue) => {
    await queue.send(largest);
    const message = await one(queue, slackMs * 2);
    assert.equal((message.body as string).length, largest.length);
    assert.ok(message.body === largest, 'the largest message came back changed');
  });

  const tooLarge = `${largest}x`;
  test(`a message of ${limits.maxMessageBytes + 1} bytes raises MESSAGE_TOO_LARGE, unsent`, {
    body: 'text',
  }, async (queue) => {
    await rejectsWith(() => queue.send(tooLarge), 'MESSAGE_TOO_LARGE');
    await nothingArrives(queue, 500 * scale, 'nothing was sent');
  });

  if (support('queue.attributes') !== 'no') defineAttributeLimits(context, limits);
  if (!batches) return;

  test('a batch holding one oversized entry raises MESSAGE_TOO_LARGE and sends none', {
    body: 'text',
  }, async (queue) => {
    const batch = [{ body: 'first' }, { body: tooLarge }, { body: 'last' }];
    await rejectsWith(() => queue.sendBatch(batch), 'MESSAGE_TOO_LARGE');
    await nothingArrives(queue, 500 * scale, 'no entry of the refused batch was sent');
  });

  for (const row of batchCases(limits)) {
    test(`${row.title} is sent in as few calls as the limits allow`, {
      body: 'text',
    }, async (queue) => {
      assert.ok(
        sentBatches,
        'queue.batch-send is declared with limits: pass sentBatches to the suite, so that it ' +
          'can see how the batch was split',
      );
      const before = (await sentBatches(queue)).length;
      const results = await queue.sendBatch(row.bodies.map((body) => ({ body })));
      const calls = (await sentBatches(queue)).slice(before);
      checkCalls(calls, row.bodies, limits);
      assert.equal(results.length, row.bodies.length, 'one result per entry');
      const withinMs = slackMs * 2 + row.bodies.length * 20 * scale;
      const received = await drainMessages(queue, row.bodies.length, withinMs);
      const positions = new Map(row.bodies.map((body, n) => [body, n]));
      const order = results.map((result) =>
        positions.get(received.get(result.messageId) as string),
      );
      assert.deepEqual(
        order,
        row.bodies.map((_, n) => n),
        'each result id belongs to its entry',
      );
    });
  }
}

/** Attributes named `a0…`, `a1…` whose names and values take exactly `bytes` together. */
function attributesOf(bytes: number, count: number): Record<string, string> {
  const attributes: Record<string, string> = {};
  const base = Math.floor(bytes / count);
  for (let n = 0; n < count; n++) {
    const size = base + (n < bytes - base * count ? 1 : 0);
    // Names stay within 256 bytes, and a fifth of each attribute: Pub/Sub's 256 + 1,024.
    const nameBytes = Math.max(String(n).length + 1, Math.min(256, Math.floor(size / 5)));
    attributes[`a${n}`.padEnd(nameBytes, 'n')] = 'v'.repeat(size - nameBytes);
  }

  return attributes;
}

function defineAttributeLimits(context: QueueContext, limits: QueueLimits): void {
  const { test, scale, slackMs } = context;
  const { maxAttributes, maxAttributesBytes, maxMessageBytes } = limits;
  const overhead = limits.attributeOverheadBytes ?? 0;
  if (Number.isFinite(maxAttributes)) {
    const many = (count: number) =>
      Object.fromEntries(Array.from({ length: count }, (_, n) => [`attr${n}`, `${n}`]));
    test(`a message with exactly ${maxAttributes} attributes is sent with all of them`, {
      body: 'text',
    }, async (queue) => {
      await queue.send('x', { attributes: many(maxAttributes) });
      assert.deepEqual((await one(queue, slackMs)).attributes, many(maxAttributes));
    });
    test(`a message with ${maxAttributes + 1} attributes raises MESSAGE_TOO_LARGE`, {
      body: 'text',
    }, async (queue) => {
      await rejectsWith(
        () => queue.send('x', { attributes: many(maxAttributes + 1) }),
        'MESSAGE_TOO_LARGE',
      );
      await nothingArrives(queue, 500 * scale, 'nothing was sent');
    });
  }
  if (!Number.isFinite(maxAttributesBytes)) return;

  // Attributes count toward the message size on some providers: the 1-byte body leaves room,
  // and so does the overhead the provider adds to each attribute.
  const room = Math.min(maxAttributesBytes, maxMessageBytes - 1);
  const count = Math.min(maxAttributes, Math.max(1, Math.ceil(room / (1280 + overhead))));
  const bytes = room - count * overhead;
  const exact = attributesOf(bytes, count);
  test(`attributes of exactly ${bytes} bytes of names and values are sent whole`, {
    body: 'text',
  }, async (queue) => {
    await queue.send('x', { attributes: exact });
    assert.deepEqual((await one(queue, slackMs * 2)).attributes, exact);
  });
  test(`attributes of ${bytes + 1} bytes raise MESSAGE_TOO_LARGE`, {
    body: 'text',
  }, async (queue) => {
    const [name, value] = Object.entries(exact)[0] as [string, string];
    const over = { ...exact, [name]: `${value}v` };
    await rejectsWith(() => queue.send('x', { attributes: over }), 'MESSAGE_TOO_LARGE');
    await nothingArrives(queue, 500 * scale, 'nothing was sent');
  });
}
