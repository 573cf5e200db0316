import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { InvalidRow } from '../src/model.js';
import type { OrderRow } from '../src/orders.js';
import { type OrderSink, readOrders } from '../src/read-orders.js';

const HEADER = 'order_id,order_date,region,sku,quantity,unit_price';

function recordingSink() {
  const rows: OrderRow[] = [];
  const invalid: Array<Omit<InvalidRow, 'file'>> = [];
  const sink: OrderSink = {
    row: async (row) => void rows.push(row),
    invalid: async (entry) => void invalid.push(entry),
  };

  return { sink, rows, invalid };
}

const streamOf = (text: string) => Readable.from([Buffer.from(text)]);

describe('readOrders', () => {
  it('numbers rows by their first line, across quoted line breaks and blank lines', async () => {
    const text = [
      `${HEADER},note`,
      'A-1,2026-01-01,north,KB-101,1,1.00,plain',
      '',
      'A-2,2026-01-01,north,KB-101,1,1.00,"two',
      'lines"',
      'A-3,2026-01-01,north,KB-101,x,1.00,',
      'A-4,2026-01-01,north,KB-101,1,1.00,"a, b"',
    ].join('\n');
    const { sink, rows, invalid } = recordingSink();

    expect(await readOrders(streamOf(text), sink)).toEqual({ ok: true });
    expect(rows.map((row) => [row.orderId, row.line])).toEqual([
      ['A-1', 2],
      ['A-2', 4],
      ['A-4', 7],
    ]);
    expect(invalid).toEqual([
      {
        line: 6,
        problem: 'quantity "x" is not a whole number from 1 to 10000',
        fields: ['A-3', '2026-01-01', 'north', 'KB-101', 'x', '1.00', ''],
      },
    ]);
  });

  it('reads a byte order mark, CRLF line ends and reordered columns', async () => {
    const text =
      '\ufeffsku,quantity,unit_price,order_id,region,order_date\r\n' +
      'KB-101,2,3.5,A-1,west,2026-02-03\r\n';
    const { sink, rows } = recordingSink();

    await readOrders(streamOf(text), sink);

    expect(rows).toEqual([
      {
        line: 2,
        orderId: 'A-1',
        date: '2026-02-03',
        region: 'west',
        sku: 'KB-101',
        quantity: 2,
        unitPriceCents: 350,
      },
    ]);
  });

  it.each([
    ['an empty file', '', 'the file is empty: it has no header line'],
    [
      'a header without prices',
      'order_id,order_date,region,sku,quantity\n',
      'line 1: the header has no "unit_price"',
    ],
    [
      'an unclosed quote',
      `${HEADER}\nA-1,2026-01-01,"north,KB-101,1,1\n`,
      'the CSV is malformed: Quote Not Closed',
    ],
    [
      'a stray quote',
      `${HEADER}\nA-1,2026-01-01,"no"rth,KB-101,1,1\n`,
      'the CSV is malformed: Invalid Closing Quote',
    ],
  ])('rejects %s as a whole', async (_name, text, reason) => {
    const { sink } = recordingSink();
    const result = await readOrders(streamOf(text), sink);

    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toContain(reason);
  });

  it('rejects a record longer than 64 KiB instead of buffering it', async () => {
    const text = `${HEADER}\nA-1,2026-01-01,north,${'x'.repeat(70_000)},1,1\n`;
    const result = await readOrders(streamOf(text), recordingSink().sink);

    expect(result.ok ? '' : result.reason).toContain('Max Record Size');
  });

  it('stops and rejects the file when the sink refuses an invalid row', async () => {
    const text = `${HEADER}\nA-1,2026-01-01,north,KB-101,x,1\nA-2,2026-01-01,north,KB-101,1,1\n`;
    const rows: OrderRow[] = [];
    const sink: OrderSink = {
      row: async (row) => void rows.push(row),
      invalid: async () => 'enough',
    };

    expect(await readOrders(streamOf(text), sink)).toEqual({ ok: false, reason: 'enough' });
    expect(rows).toEqual([]);
  });

  it('throws when the stream itself fails, so the event is retried', async () => {
    const failing = new Readable({
      read() {
        this.push(`${HEADER}\nA-1,2026-01-01,north,KB-101,1,1\n`);
        this.destroy(new Error('connection reset'));
      },
    });

    await expect(readOrders(failing, recordingSink().sink)).rejects.toThrow('connection reset');
  });

  it('holds the source back while the sink is busy, so memory stays flat', async () => {
    const total = 100_000;
    let produced = 0;
    let consumed = 0;
    let maxLead = 0;
    async function* lines() {
      yield Buffer.from(`${HEADER}\n`);
      while (produced < total) {
        const chunk: string[] = [];
        for (let i = 0; i < 100 && produced < total; i++) {
          produced++;
          chunk.push(`A-${produced},2026-01-01,north,KB-101,1,1.00`);
        }
        yield Buffer.from(`${chunk.join('\n')}\n`);
      }
    }
    const sink: OrderSink = {
      async row() {
        consumed++;
        maxLead = Math.max(maxLead, produced - consumed);
        if (consumed % 1000 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
      },
      invalid: async () => {},
    };

    await readOrders(Readable.from(lines()), sink);

    expect(consumed).toBe(total);
    expect(maxLead).toBeLessThan(total / 10);
  }, 60_000);
});
