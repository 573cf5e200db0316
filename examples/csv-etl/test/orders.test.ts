import { describe, expect, it } from 'vitest';
import { checkRow, type Header, readHeader, toCents } from '../src/orders.js';

const STANDARD = ['order_id', 'order_date', 'region', 'sku', 'quantity', 'unit_price'];
const header = readHeader(STANDARD) as Header;
const good = ['A-1', '2026-01-05', 'north', 'KB-101', '3', '19.99'];
const withField = (index: number, value: string) => good.map((f, i) => (i === index ? value : f));

describe('readHeader', () => {
  it('finds the columns in any order and case, and ignores extra ones', () => {
    const read = readHeader([
      'SKU',
      'note',
      'Quantity',
      'unit_price',
      'order_id',
      'region',
      'order_date',
    ]);

    expect(read).toEqual({
      width: 7,
      position: { order_id: 4, order_date: 6, region: 5, sku: 0, quantity: 2, unit_price: 3 },
    });
  });

  it.each([
    [['order_id', 'order_date', 'region', 'sku', 'quantity'], 'no "unit_price" column'],
    [[...STANDARD, 'sku'], 'repeats "sku"'],
    [['a', 'b'], 'no "order_id" column (found: a, b)'],
  ])('names what is wrong with header %j', (fields, problem) => {
    expect(readHeader(fields)).toContain(problem);
  });
});

describe('checkRow', () => {
  it('types a valid row, with the price in cents', () => {
    expect(checkRow(header, good, 7)).toEqual({
      ok: true,
      row: {
        line: 7,
        orderId: 'A-1',
        date: '2026-01-05',
        region: 'north',
        sku: 'KB-101',
        quantity: 3,
        unitPriceCents: 1999,
      },
    });
  });

  it.each([
    ['too few fields', good.slice(0, 5), 'expected 6 fields, found 5'],
    ['too many fields', [...good, 'x'], 'expected 6 fields, found 7'],
    ['a missing id', withField(0, ''), 'order_id is missing'],
    ['a missing sku', withField(3, ' '), 'sku is missing'],
    ['a long region', withField(2, 'r'.repeat(41)), 'region is longer than 40 characters'],
    ['a day that does not exist', withField(1, '2026-02-30'), 'order_date "2026-02-30" is not'],
    ['a date in another format', withField(1, '05/01/2026'), 'order_date "05/01/2026" is not'],
    ['a word for a quantity', withField(4, 'three'), 'quantity "three" is not a whole number'],
    ['a zero quantity', withField(4, '0'), 'quantity "0" is not'],
    ['a negative quantity', withField(4, '-2'), 'quantity "-2" is not'],
    ['a fractional quantity', withField(4, '1.5'), 'quantity "1.5" is not'],
    ['a huge quantity', withField(4, '10001'), 'quantity "10001" is not'],
    ['three decimals', withField(5, '49.999'), 'unit_price "49.999" is not an amount'],
    ['a currency sign', withField(5, '$79.50'), 'unit_price "$79.50" is not'],
    ['an empty price', withField(5, ''), 'unit_price "" is not'],
  ])('rejects %s', (_name, fields, problem) => {
    const check = checkRow(header, fields, 3);

    expect(check.ok).toBe(false);
    expect(check.ok ? '' : check.problem).toContain(problem);
  });

  it('lists every problem of a row', () => {
    const check = checkRow(header, ['', '2026-13-01', 'north', 'KB-101', 'x', '1'], 3);

    expect(check.ok ? [] : check.problem.split('; ')).toHaveLength(3);
  });

  it('accepts the leap day of a leap year only', () => {
    expect(checkRow(header, withField(1, '2028-02-29'), 2).ok).toBe(true);
    expect(checkRow(header, withField(1, '2026-02-29'), 2).ok).toBe(false);
  });
});

describe('toCents', () => {
  it.each([
    ['0', 0],
    ['0.5', 50],
    ['0.29', 29],
    ['19.99', 1999],
    ['1.10', 110],
    ['100000', 10_000_000],
    ['100000.00', 10_000_000],
  ])('reads %s as %i cents, digit by digit', (text, cents) => {
    expect(toCents(text)).toBe(cents);
  });

  it.each(['100000.01', '-1', '1.', '.5', '1e3', '1,50', ' 1', 'NaN'])('refuses %j', (text) => {
    expect(toCents(text)).toBeUndefined();
  });

  it('stays exact where float arithmetic does not', () => {
    expect(19.99 * 100).not.toBe(1999);
    expect(toCents('19.99')).toBe(1999);
  });
});
