import { describe, expect, it, vi } from 'vitest';
import {
  InconsistentPiecesError,
  mergeIntoOverall,
  toFileReport,
  toGroupAggregate,
  toJson,
} from '../src/derive.js';
import type { FileRef, GroupAggregate, Manifest, PartialAggregate } from '../src/model.js';
import type { OrderRow } from '../src/orders.js';
import { aggregateRows } from '../src/totals.js';

// Groups of two batches, so that a small file spans several groups.
vi.mock('../src/sizes.js', () => ({ BATCH_ROWS: 500, GROUP_BATCHES: 2 }));

const file = (id: string): FileRef => ({ id, key: `${id}.csv`, etag: `"${id}"` });
const row = (region: string, sku: string, quantity: number, cents: number) =>
  ({
    line: 2,
    orderId: 'o',
    date: '2026-03-04',
    region,
    sku,
    quantity,
    unitPriceCents: cents,
  }) as OrderRow;

function partial(id: string, batch: number, rows: OrderRow[]): PartialAggregate {
  return { file: file(id), batch, ...aggregateRows(rows) };
}

function manifest(id: string, batches: number, valid: number, invalid = 0): Manifest {
  return {
    file: file(id),
    status: 'parsed',
    batches,
    rows: { valid, invalid },
    invalid: invalid ? [{ line: 9, problem: 'quantity "x" is not a whole number' }] : [],
  };
}

// File a: three batches, in groups 0 (batches 0 and 1) and 1 (batch 2).
const partialsOfA = [
  partial('a', 0, [row('north', 'KB-101', 2, 4990), row('east', 'MS-220', 1, 1999)]),
  partial('a', 1, [row('north', 'MS-220', 3, 1999)]),
  partial('a', 2, [row('west', 'KB-101', 1, 4990)]),
];
const groupsOfA = (): GroupAggregate[] => [
  toGroupAggregate(file('a'), 0, 2, partialsOfA.slice(0, 2)),
  toGroupAggregate(file('a'), 1, 1, partialsOfA.slice(2)),
];

describe('toGroupAggregate', () => {
  it('merges exactly the batches of its group, in any order', () => {
    const forward = toGroupAggregate(file('a'), 0, 2, partialsOfA.slice(0, 2));
    const backward = toGroupAggregate(file('a'), 0, 2, partialsOfA.slice(0, 2).reverse());

    expect(forward).toMatchObject({ group: 0, batches: 2, totals: { orders: 3, quantity: 6 } });
    expect(toJson(backward)).toBe(toJson(forward));
  });

  it.each([
    ['a missing batch', 0, 2, partialsOfA.slice(1, 2), '1 of 2 batches are there'],
    ['a batch of another group', 1, 1, partialsOfA.slice(1, 2), 'batch 1 is outside 2..2'],
    ['a batch twice', 0, 2, [partialsOfA[0]!, partialsOfA[0]!], 'batch 0 came twice'],
    ['a partial of another file', 0, 1, [partial('b', 0, [])], 'a batch belongs to b'],
  ])('refuses %s', (_name, group, size, partials, detail) => {
    const derive = () => toGroupAggregate(file('a'), group, size, partials);

    expect(derive).toThrow(InconsistentPiecesError);
    expect(derive).toThrow(detail);
  });
});

describe('toFileReport', () => {
  it('merges every group named by the manifest', () => {
    const report = toFileReport(manifest('a', 3, 4, 1), groupsOfA());

    expect(report).toMatchObject({
      status: 'counted',
      rows: { valid: 4, invalid: 1 },
      batches: 3,
      revenue: '229.66',
      totals: { orders: 4, quantity: 7, revenueCents: 22_966 },
      invalid: [{ line: 9 }],
    });
  });

  it('gives the same bytes whatever order the groups are read in', () => {
    const forward = toJson(toFileReport(manifest('a', 3, 4), groupsOfA()));
    const backward = toJson(toFileReport(manifest('a', 3, 4), groupsOfA().reverse()));

    expect(backward).toBe(forward);
  });

  it.each([
    ['a missing group', groupsOfA().slice(1), '1 of 2 groups are there'],
    [
      'a group beyond the manifest',
      [...groupsOfA(), { ...groupsOfA()[1]!, group: 2 }],
      'group 2 is outside 0..1',
    ],
    [
      'groups holding other batch counts',
      [groupsOfA()[0]!, { ...groupsOfA()[1]!, batches: 2 }],
      'hold 4 batches, not 3',
    ],
  ])('refuses %s', (_name, groups, detail) => {
    expect(() => toFileReport(manifest('a', 3, 4), groups)).toThrow(InconsistentPiecesError);
    expect(() => toFileReport(manifest('a', 3, 4), groups)).toThrow(detail);
  });

  it('refuses groups whose rows disagree with the manifest count', () => {
    expect(() => toFileReport(manifest('a', 3, 5), groupsOfA())).toThrow(
      'they hold 4 rows, the manifest 5',
    );
  });

  it('reports a file with no valid rows from no groups', () => {
    expect(toFileReport(manifest('a', 0, 0, 1), [])).toMatchObject({
      status: 'counted',
      batches: 0,
      totals: { orders: 0 },
      dates: null,
    });
  });

  it('reports a rejected file with its reason and counts nothing', () => {
    const rejected: Manifest = { ...manifest('a', 1, 3), status: 'rejected', reason: 'broken' };

    expect(toFileReport(rejected, [])).toMatchObject({
      status: 'rejected',
      reason: 'broken',
      rows: { valid: 0, invalid: 0 },
      totals: { orders: 0 },
    });
  });
});

describe('mergeIntoOverall', () => {
  const reportA = toFileReport(manifest('a', 3, 4, 1), groupsOfA());
  const reportB = toFileReport(manifest('b', 1, 1), [
    toGroupAggregate(file('b'), 0, 1, [partial('b', 0, [row('east', 'HD-350', 4, 7950)])]),
  ]);
  const reportC = toFileReport({ ...manifest('c', 0, 0), status: 'rejected', reason: 'x' }, []);

  it('adds the files up and lists each once', () => {
    const overall = mergeIntoOverall(undefined, [reportA, reportB, reportC]);

    expect(overall).toMatchObject({
      files: { counted: 2, rejected: 1 },
      rows: { valid: 5, invalid: 1 },
      totals: { orders: 5, quantity: 11, revenueCents: 22_966 + 31_800 },
      revenue: '547.66',
    });
    expect(overall.sources.map((entry) => entry.id)).toEqual(['a', 'b', 'c']);
  });

  it('is the same whether files arrive together, one by one or in another order', () => {
    const together = toJson(mergeIntoOverall(undefined, [reportA, reportB, reportC]));
    const stepwise = [reportC, reportA, reportB].reduce(
      (overall, report) => mergeIntoOverall(overall, [report]),
      mergeIntoOverall(undefined, []),
    );

    expect(toJson(stepwise)).toBe(together);
  });

  it('never counts a file twice', () => {
    const once = mergeIntoOverall(undefined, [reportA, reportB]);
    const again = mergeIntoOverall(once, [reportB, reportA, reportB]);

    expect(again).toEqual(once);
  });
});
