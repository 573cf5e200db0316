import type { OrderRow } from './orders.js';

/** Order lines, units and revenue of a group of rows; revenue in integer cents. */
export interface Totals {
  orders: number;
  quantity: number;
  revenueCents: number;
}

/** Totals of a set of rows, overall and per region and SKU, with the date range covered. */
export interface Aggregate {
  totals: Totals;
  /** First and last order date, or null when there are no rows. */
  dates: { first: string; last: string } | null;
  byRegion: Record<string, Totals>;
  bySku: Record<string, Totals>;
}

/** An aggregate of no rows. */
export function emptyAggregate(): Aggregate {
  return { totals: zero(), dates: null, byRegion: {}, bySku: {} };
}

/** Aggregates rows; the result does not depend on their order. */
export function aggregateRows(rows: Iterable<OrderRow>): Aggregate {
  const sum = new Sum();
  for (const row of rows) {
    const line = {
      orders: 1,
      quantity: row.quantity,
      revenueCents: exactProduct(row.quantity, row.unitPriceCents),
    };
    sum.add(line, { first: row.date, last: row.date });
    sum.addTo(sum.byRegion, row.region, line);
    sum.addTo(sum.bySku, row.sku, line);
  }

  return sum.result();
}

/**
 * Merges aggregates. Integer addition is exact, commutative and associative, so any order and
 * grouping of the inputs gives the same result, with keys sorted for byte-identical JSON.
 */
export function mergeAggregates(parts: Iterable<Aggregate>): Aggregate {
  const sum = new Sum();
  for (const part of parts) {
    sum.add(part.totals, part.dates);
    for (const [region, totals] of Object.entries(part.byRegion)) {
      sum.addTo(sum.byRegion, region, totals);
    }
    for (const [sku, totals] of Object.entries(part.bySku)) sum.addTo(sum.bySku, sku, totals);
  }

  return sum.result();
}

/** Formats integer cents as a decimal amount, such as `1234.05`. */
export function formatCents(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);

  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/**
 * Adds two integers and refuses to lose precision: past 2^53 - 1 a float sum is no longer
 * exact, so a wrong total is never written.
 */
export function exactSum(a: number, b: number): number {
  const sum = a + b;
  if (Number.isSafeInteger(sum)) return sum;

  throw new RangeError(`The sum ${a} + ${b} is beyond exact integer range (2^53 - 1).`);
}

function exactProduct(a: number, b: number): number {
  const product = a * b;
  if (Number.isSafeInteger(product)) return product;

  throw new RangeError(`The product ${a} * ${b} is beyond exact integer range (2^53 - 1).`);
}

// Groups live in Maps while summing, so a region or SKU named like "__proto__" or
// "constructor" is an ordinary key and never reaches an object's prototype.
class Sum {
  readonly totals = zero();
  dates: Aggregate['dates'] = null;
  readonly byRegion = new Map<string, Totals>();
  readonly bySku = new Map<string, Totals>();

  add(totals: Totals, dates: Aggregate['dates']): void {
    addInto(this.totals, totals);
    if (dates) this.dates = widen(this.dates, dates);
  }

  addTo(groups: Map<string, Totals>, name: string, totals: Totals): void {
    const group = groups.get(name) ?? zero();
    groups.set(name, group);
    addInto(group, totals);
  }

  result(): Aggregate {
    return {
      totals: this.totals,
      dates: this.dates,
      byRegion: toSortedRecord(this.byRegion),
      bySku: toSortedRecord(this.bySku),
    };
  }
}

function zero(): Totals {
  return { orders: 0, quantity: 0, revenueCents: 0 };
}

function addInto(target: Totals, add: Totals): void {
  target.orders = exactSum(target.orders, add.orders);
  target.quantity = exactSum(target.quantity, add.quantity);
  target.revenueCents = exactSum(target.revenueCents, add.revenueCents);
}

function widen(
  range: Aggregate['dates'],
  add: NonNullable<Aggregate['dates']>,
): NonNullable<Aggregate['dates']> {
  if (!range) return { ...add };

  // ISO dates order as strings, and sort() compares strings code unit by code unit.
  const firsts = [add.first, range.first].sort();
  const lasts = [add.last, range.last].sort();

  return { first: firsts[0] as string, last: lasts[1] as string };
}

// Object.fromEntries defines own properties, so every name is safe in the record.
function toSortedRecord(groups: Map<string, Totals>): Record<string, Totals> {
  const names = [...groups.keys()].sort();

  return Object.fromEntries(names.map((name) => [name, groups.get(name) as Totals]));
}
