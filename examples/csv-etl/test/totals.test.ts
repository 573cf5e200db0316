import { describe, expect, it } from 'vitest';
import type { OrderRow } from '../src/orders.js';
import { aggregateRows, exactSum, formatCents, mergeAggregates } from '../src/totals.js';

const row = (region: string, sku: string, quantity: number, cents: number, date = '2026-01-02') =>
  ({ line: 2, orderId: 'x', date, region, sku, quantity, unitPriceCents: cents }) as OrderRow;

const rows = [
  row('north', 'KB-101', 3, 1999, '2026-01-09'),
  row('south', 'KB-101', 1, 10, '2026-01-01'),
  row('north', 'MS-220', 2, 29, '2026-01-31'),
  row('east', 'MS-220', 10, 1),
];

describe('aggregateRows', () => {
  it('sums rows, units and cents per region and SKU, and spans the dates', () => {
    expect(aggregateRows(rows)).toEqual({
      totals: { orders: 4, quantity: 16, revenueCents: 6075 },
      dates: { first: '2026-01-01', last: '2026-01-31' },
      byRegion: {
        east: { orders: 1, quantity: 10, revenueCents: 10 },
        north: { orders: 2, quantity: 5, revenueCents: 6055 },
        south: { orders: 1, quantity: 1, revenueCents: 10 },
      },
      bySku: {
        'KB-101': { orders: 2, quantity: 4, revenueCents: 6007 },
        'MS-220': { orders: 2, quantity: 12, revenueCents: 68 },
      },
    });
  });

  it('gives no dates and no groups for no rows', () => {
    expect(aggregateRows([])).toEqual({
      totals: { orders: 0, quantity: 0, revenueCents: 0 },
      dates: null,
      byRegion: {},
      bySku: {},
    });
  });

  it('keeps names like __proto__ as plain groups', () => {
    const result = aggregateRows([row('__proto__', 'constructor', 1, 5)]);

    expect(Object.keys(result.byRegion)).toEqual(['__proto__']);
    expect(result.bySku.constructor).toEqual({ orders: 1, quantity: 1, revenueCents: 5 });
    expect(({} as Record<string, unknown>).orders).toBeUndefined();
  });
});

describe('mergeAggregates', () => {
  const parts = rows.map((r) => aggregateRows([r]));

  it('equals aggregating all rows at once', () => {
    expect(mergeAggregates(parts)).toEqual(aggregateRows(rows));
  });

  it('gives byte-identical JSON whatever the order and grouping of its inputs', () => {
    const once = JSON.stringify(mergeAggregates(parts));
    const reversed = JSON.stringify(mergeAggregates([...parts].reverse()));
    const grouped = JSON.stringify(
      mergeAggregates([mergeAggregates(parts.slice(2)), mergeAggregates(parts.slice(0, 2))]),
    );

    expect(reversed).toBe(once);
    expect(grouped).toBe(once);
  });
});

describe('exact arithmetic', () => {
  it('refuses a sum past 2^53 - 1 instead of rounding it', () => {
    expect(exactSum(Number.MAX_SAFE_INTEGER - 1, 1)).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => exactSum(Number.MAX_SAFE_INTEGER, 1)).toThrow(RangeError);
  });

  it.each([
    [0, '0.00'],
    [5, '0.05'],
    [1999, '19.99'],
    [123_456_789, '1234567.89'],
    [-250, '-2.50'],
  ])('formats %i cents as %s', (cents, text) => {
    expect(formatCents(cents)).toBe(text);
  });
});
