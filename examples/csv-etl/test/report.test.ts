import { type ObjectStore, readAll, silentLogger, withResolver } from '@cloudport/core';
import { describe, expect, it, vi } from 'vitest';
import { toFileReport, toGroupAggregate, toJson } from '../src/derive.js';
import { KEYS } from '../src/keys.js';
import type { Manifest, OverallReport, PartialAggregate } from '../src/model.js';
import pipeline from '../src/pipeline.js';
import { finishFile, updateOverall } from '../src/report.js';
import { aggregateRows } from '../src/totals.js';
import { MemoryWorld } from './support/memory-world.js';

// Groups of two batches: file "a" has batches 0 and 1 in group 0, and batch 2 in group 1.
vi.mock('../src/sizes.js', () => ({ BATCH_ROWS: 500, GROUP_BATCHES: 2 }));

const file = (id: string) => ({ id, key: `${id}.csv`, etag: `"${id}"` });
const partial = (id: string, batch: number, quantity: number): PartialAggregate => ({
  file: file(id),
  batch,
  ...aggregateRows([
    {
      line: 2 + batch,
      orderId: `o-${batch}`,
      date: '2026-01-01',
      region: 'north',
      sku: 'KB-101',
      quantity,
      unitPriceCents: 100,
    },
  ]),
});
const manifest = (id: string, batches: number): Manifest => ({
  file: file(id),
  status: 'parsed',
  batches,
  rows: { valid: batches, invalid: 0 },
  invalid: [],
});

function setUp() {
  const world = new MemoryWorld(pipeline, { seed: 1 });
  const store = world.store('reports');
  const run = <T>(fn: () => Promise<T>) => withResolver(world.resolver(), fn);
  const has = async (key: string) => (await store.list({ prefix: key })).objects.length > 0;

  return { world, store, run, has };
}

async function readText(store: ObjectStore, key: string): Promise<string> {
  return (await readAll((await store.get(key)).body)).toString('utf8');
}

describe('finishFile', () => {
  it('closes a group when its last batch lands, the file once the manifest counts', async () => {
    const { store, run, has } = setUp();
    const counted = async (batch: number) => {
      await store.put(KEYS.partial('a', batch), toJson(partial('a', batch, batch + 1)));
      return run(() => finishFile(file('a'), silentLogger, batch));
    };

    expect(await counted(0)).toBe(false);
    expect(await has(KEYS.group('a', 0))).toBe(false);
    expect(await counted(1)).toBe(false);
    expect(await has(KEYS.group('a', 0))).toBe(true);
    // Without a manifest, nobody can know that batch 2 is the whole of the last group.
    expect(await counted(2)).toBe(false);
    expect(await has(KEYS.group('a', 1))).toBe(false);

    await store.put(KEYS.manifest('a'), toJson(manifest('a', 3)));
    expect(await run(() => finishFile(file('a'), silentLogger))).toBe(true);

    const report = JSON.parse(await readText(store, KEYS.fileReport('a')));
    expect(report.totals).toEqual({ orders: 3, quantity: 6, revenueCents: 600 });
    const overall = JSON.parse(await readText(store, KEYS.overall)) as OverallReport;
    expect(overall.sources.map((entry) => entry.id)).toEqual(['a']);
  });

  it('lets the parser close a waiting last group while an earlier group has a gap', async () => {
    const { store, run, has } = setUp();
    await store.put(KEYS.partial('a', 0), toJson(partial('a', 0, 1)));
    await store.put(KEYS.partial('a', 2), toJson(partial('a', 2, 1)));
    await store.put(KEYS.manifest('a'), toJson(manifest('a', 3)));

    expect(await run(() => finishFile(file('a'), silentLogger))).toBe(false);
    expect(await has(KEYS.group('a', 1))).toBe(true);

    await store.put(KEYS.partial('a', 1), toJson(partial('a', 1, 1)));
    expect(await run(() => finishFile(file('a'), silentLogger, 1))).toBe(true);
    expect(await has(KEYS.fileReport('a'))).toBe(true);
  });

  it('checks the file after closing a group, though another group looked open before', async () => {
    const { world, store, run, has } = setUp();
    await store.put(KEYS.partial('a', 0), toJson(partial('a', 0, 1)));
    await store.put(KEYS.partial('a', 2), toJson(partial('a', 2, 1)));
    await store.put(KEYS.manifest('a'), toJson(manifest('a', 3)));
    let release = () => {};
    let reached = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const atWrite = new Promise<void>((resolve) => (reached = resolve));
    world.gate = async (operation, key) => {
      if (operation !== 'put' || key !== KEYS.group('a', 1)) return;
      reached();
      await held;
    };

    // The parser found group 0 open and is about to close group 1 ...
    const parser = run(() => finishFile(file('a'), silentLogger));
    await atWrite;
    // ... when the last batch of group 0 lands; its consumer sees group 1 still missing.
    await store.put(KEYS.partial('a', 1), toJson(partial('a', 1, 1)));
    expect(await run(() => finishFile(file('a'), silentLogger, 1))).toBe(false);
    release();

    expect(await parser).toBe(true);
    expect(await has(KEYS.fileReport('a'))).toBe(true);
  });

  it('leaves an existing report as it is and still updates the overall report', async () => {
    const { store, run } = setUp();
    await store.put(KEYS.manifest('a'), toJson(manifest('a', 1)));
    await store.put(KEYS.partial('a', 0), toJson(partial('a', 0, 1)));
    const group = toGroupAggregate(file('a'), 0, 1, [partial('a', 0, 1)]);
    const existing = toJson(toFileReport(manifest('a', 1), [group]));
    await store.put(KEYS.group('a', 0), toJson(group));
    await store.put(KEYS.fileReport('a'), existing);

    await run(() => finishFile(file('a'), silentLogger, 0));

    expect(await readText(store, KEYS.fileReport('a'))).toBe(existing);
    expect(await readText(store, KEYS.overall)).toContain('"id": "a"');
  });
});

describe('updateOverall', () => {
  it('keeps both files when two finishers race, the slower one writing last', async () => {
    const { world, store, run } = setUp();
    const reportOf = (id: string) =>
      toJson(
        toFileReport(manifest(id, 1), [toGroupAggregate(file(id), 0, 1, [partial(id, 0, 1)])]),
      );
    let release = () => {};
    let reached = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const atWrite = new Promise<void>((resolve) => (reached = resolve));
    let holding = true;
    world.gate = async (operation, key) => {
      if (operation !== 'put' || key !== KEYS.overall || !holding) return;
      holding = false;
      reached();
      await held;
    };
    await store.put(KEYS.fileReport('a'), reportOf('a'));

    // The first finisher has read and listed (seeing only a) and is about to write.
    const slow = run(() => updateOverall(silentLogger));
    await atWrite;
    await store.put(KEYS.fileReport('b'), reportOf('b'));
    await run(() => updateOverall(silentLogger));
    release();
    await slow;

    const overall = JSON.parse(await readText(store, KEYS.overall)) as OverallReport;
    expect(overall.sources.map((entry) => entry.id)).toEqual(['a', 'b']);
    expect(overall.totals.orders).toBe(2);
  });
});
