/** The columns every orders file must have, in any order; other columns are ignored. */
export const COLUMNS = [
  'order_id',
  'order_date',
  'region',
  'sku',
  'quantity',
  'unit_price',
] as const;

/** One required column. */
export type Column = (typeof COLUMNS)[number];

/** Where each required column sits in a file, and how many fields a row must have. */
export interface Header {
  width: number;
  position: Record<Column, number>;
}

/** One valid order line, with the price in integer cents so that sums stay exact. */
export interface OrderRow {
  /** Line in the file where the row starts; the header is line 1. */
  line: number;
  orderId: string;
  /** Calendar date, `YYYY-MM-DD`. */
  date: string;
  region: string;
  sku: string;
  quantity: number;
  unitPriceCents: number;
}

/** The verdict on one row: the row, or every problem found in it. */
export type RowCheck = { ok: true; row: OrderRow } | { ok: false; problem: string };

/** Largest quantity one order line may carry. */
export const MAX_QUANTITY = 10_000;
/** Largest unit price, in cents (100 000.00). */
export const MAX_UNIT_PRICE_CENTS = 10_000_000;
/** Longest id, region or SKU; keeps a batch of rows well under every queue's size limit. */
export const MAX_TEXT_LENGTH = 40;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const PRICE = /^(\d{1,9})(?:\.(\d{1,2}))?$/;
const WHOLE = /^\d{1,9}$/;

/**
 * Reads the header record: names are matched case-insensitively, in any order.
 * Returns a problem sentence when a required column is missing or repeated.
 */
export function readHeader(fields: readonly string[]): Header | string {
  const names = fields.map((field) => field.trim().toLowerCase());
  const position = {} as Record<Column, number>;
  for (const column of COLUMNS) {
    const first = names.indexOf(column);
    if (first === -1) return `the header has no "${column}" column (found: ${names.join(', ')})`;
    if (names.indexOf(column, first + 1) !== -1) return `the header repeats "${column}"`;
    position[column] = first;
  }

  return { width: fields.length, position };
}

/**
 * Checks one data record against the header and returns the typed row or the problems.
 *
 * @example
 * checkRow(header, ['A-1', '2026-01-05', 'north', 'SKU-7', '3', '19.99'], 2)
 * // { ok: true, row: { line: 2, ..., quantity: 3, unitPriceCents: 1999 } }
 */
export function checkRow(header: Header, fields: readonly string[], line: number): RowCheck {
  if (fields.length !== header.width) {
    return { ok: false, problem: `expected ${header.width} fields, found ${fields.length}` };
  }
  const value = (column: Column) => (fields[header.position[column]] ?? '').trim();
  const problems: string[] = [];
  const text = (column: Column) => {
    const found = value(column);
    if (found === '') problems.push(`${column} is missing`);
    else if (found.length > MAX_TEXT_LENGTH) {
      problems.push(`${column} is longer than ${MAX_TEXT_LENGTH} characters`);
    }
    return found;
  };
  const orderId = text('order_id');
  const region = text('region');
  const sku = text('sku');
  const date = value('order_date');
  if (!isCalendarDate(date))
    problems.push(`order_date ${JSON.stringify(date)} is not a YYYY-MM-DD date`);
  const quantity = toQuantity(value('quantity'));
  if (quantity === undefined) {
    problems.push(
      `quantity ${JSON.stringify(value('quantity'))} is not a whole number ` +
        `from 1 to ${MAX_QUANTITY}`,
    );
  }
  const unitPriceCents = toCents(value('unit_price'));
  if (unitPriceCents === undefined) {
    problems.push(
      `unit_price ${JSON.stringify(value('unit_price'))} is not an amount from 0 to 100000 ` +
        'with at most two decimals',
    );
  }
  if (problems.length > 0 || quantity === undefined || unitPriceCents === undefined) {
    return { ok: false, problem: problems.join('; ') };
  }

  return { ok: true, row: { line, orderId, date, region, sku, quantity, unitPriceCents } };
}

/**
 * Converts a decimal amount such as `19.9` to integer cents by reading its digits, never
 * through a float multiplication (`19.99 * 100` is 1998.9999999999998).
 */
export function toCents(text: string): number | undefined {
  const match = PRICE.exec(text);
  if (!match) return undefined;
  const cents = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));

  return cents <= MAX_UNIT_PRICE_CENTS ? cents : undefined;
}

function toQuantity(text: string): number | undefined {
  if (!WHOLE.test(text)) return undefined;
  const quantity = Number(text);

  return quantity >= 1 && quantity <= MAX_QUANTITY ? quantity : undefined;
}

function isCalendarDate(text: string): boolean {
  const match = DATE.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));

  return (
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
  );
}
