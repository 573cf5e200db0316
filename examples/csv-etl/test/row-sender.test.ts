import type { MessageQueue, QueueRef, ResourceResolver, SendEntry } from '@cloudport/core';
import { withResolver } from '@cloudport/core';
import { describe, expect, it } from 'vitest';
import type { InvalidRow, RowBatch } from '../src/model.js';
import type { OrderRow } from '../src/orders.js';
import { createRowSender, MAX_INVALID_ROWS } from '../src/row-sender.js';
import { BATCH_ROWS } from '../src/sizes.js';

const file = { id: 'f-1', key: 'f.csv', etag: '"1"' };
const row = (line: number): OrderRow => ({
  line,
  orderId: `o-${line}`,
  date: '2026-01-01',
  region: 'north',
  sku: 'KB-101',
  quantity: 1,
  unitPriceCents: 100,
});

/** Records every send, in order, by queue. */
function recordingResolver() {
  const sends: Array<{ queue: string; bodies: unknown[] }> = [];
  const resolver: ResourceResolver = {
    store: () => {
      throw new Error('no store in this test');
    },
    queue: <T>(ref: QueueRef<T>): MessageQueue<T> => ({
      queue: ref.name,
      body: ref.body,
      send: async (body) => {
        sends.push({ queue: ref.name, bodies: [body] });
        return { messageId: String(sends.length) };
      },
      sendBatch: async (entries: ReadonlyArray<SendEntry<T>>) => {
        sends.push({ queue: ref.name, bodies: entries.map((entry) => entry.body) });
        return entries.map(() => ({ messageId: String(sends.length) }));
      },
    }),
  };

  return { resolver, sends };
}

describe('createRowSender', () => {
  it('numbers batches in file order and sends invalid rows only after every batch', async () => {
    const { resolver, sends } = recordingResolver();
    const sender = createRowSender(file);
    const total = BATCH_ROWS * 12 + 7;

    await withResolver(resolver, async () => {
      for (let line = 2; line < total + 2; line++) {
        await sender.row(row(line));
        if (line % 1000 === 0) await sender.invalid({ line, problem: 'bad', fields: [] });
      }
      await sender.flush();
    });

    const batches = sends.filter((s) => s.queue === 'rows').flatMap((s) => s.bodies as RowBatch[]);
    expect(batches.map((b) => b.batch)).toEqual([...Array(13).keys()]);
    expect(batches.map((b) => b.rows.length)).toEqual([...Array(12).fill(BATCH_ROWS), 7]);
    expect(batches.flatMap((b) => b.rows.map((r) => r.line))).toEqual(
      [...Array(total).keys()].map((i) => i + 2),
    );
    const firstInvalid = sends.findIndex((s) => s.queue === 'invalid-rows');
    expect(sends.slice(firstInvalid).every((s) => s.queue === 'invalid-rows')).toBe(true);
    expect(sender.manifest('parsed')).toMatchObject({
      batches: 13,
      rows: { valid: total, invalid: 6 },
    });
  });

  it('sends nothing more for a file rejected before its flush', async () => {
    const { resolver, sends } = recordingResolver();
    const sender = createRowSender(file);

    await withResolver(resolver, async () => {
      for (let line = 2; line < 300; line++) await sender.row(row(line));
      await sender.invalid({ line: 300, problem: 'bad', fields: [] });
    });

    expect(sends).toEqual([]);
    expect(sender.manifest('rejected', 'broken')).toMatchObject({
      status: 'rejected',
      reason: 'broken',
    });
  });

  it('asks to reject the file past the invalid-row budget, naming the first bad line', async () => {
    const sender = createRowSender(file);
    const verdicts: Array<string | undefined> = [];
    for (let line = 2; line < MAX_INVALID_ROWS + 3; line++) {
      verdicts.push(await sender.invalid({ line, problem: 'sku is missing', fields: [] }));
    }

    expect(verdicts.slice(0, MAX_INVALID_ROWS).every((v) => v === undefined)).toBe(true);
    expect(verdicts.at(-1)).toBe(
      `more than ${MAX_INVALID_ROWS} invalid rows (the first, line 2: sku is missing); ` +
        'this does not look like an orders file',
    );
  });

  it('keeps a bounded part of an invalid row and the first twenty notes', async () => {
    const { resolver, sends } = recordingResolver();
    const sender = createRowSender(file);
    const fields = Array.from({ length: 30 }, (_, i) => `${i}`.repeat(150));

    await withResolver(resolver, async () => {
      for (let line = 2; line < 30; line++) await sender.invalid({ line, problem: 'p', fields });
      await sender.flush();
    });

    const sent = sends.flatMap((s) => s.bodies as InvalidRow[]);
    expect(sent).toHaveLength(28);
    expect(sent[0]?.fields).toHaveLength(20);
    expect(sent[0]?.fields[0]).toHaveLength(103);
    expect(sender.manifest('parsed').invalid).toHaveLength(20);
  });
});
