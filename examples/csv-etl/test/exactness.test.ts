import { listAll } from '@cloudport/core';
import { describe, expect, it, vi } from 'vitest';
import { KEYS } from '../src/keys.js';
import type { FileReport, OverallReport } from '../src/model.js';
import pipeline from '../src/pipeline.js';
import { expectFile, expectOverall } from './support/expected.js';
import { type Fault, MemoryWorld, type WorldOptions } from './support/memory-world.js';
import { brokenOrders, committedSamples, manyOrders } from './support/samples.js';

// Small batches and groups, so that a few thousand rows make many of each.
vi.mock('../src/sizes.js', () => ({ BATCH_ROWS: 40, GROUP_BATCHES: 3 }));

// 43 batches in 15 groups, and a file rejected after several batches were already sent.
const SAMPLES = [
  ...committedSamples(),
  manyOrders('march.csv', 1730),
  brokenOrders('broken.csv', 1200),
];
// Fewer rows for the crash test, which replays the whole run once per operation: still
// several groups, a last group smaller than the others, invalid rows, and a rejected file.
const CRASH_SAMPLES = [
  ...committedSamples().filter((sample) => sample.key.includes('mixed')),
  manyOrders('march.csv', 400),
  brokenOrders('broken.csv', 200),
];

interface Outcome {
  world: MemoryWorld;
  /** Every report object, by key, as text. */
  reports: Map<string, string>;
  /** Dead-letter reasons, each with the event ids it was dead-lettered under. */
  deadLetters: Map<string, Set<string>>;
}

async function run(options: WorldOptions, samples = SAMPLES): Promise<Outcome> {
  const world = new MemoryWorld(pipeline, options);
  for (const sample of samples) await world.upload('uploads', sample.key, sample.text);
  await world.drain();

  return { world, reports: await readReports(world), deadLetters: groupDeadLetters(world) };
}

async function readReports(world: MemoryWorld): Promise<Map<string, string>> {
  const store = world.store('reports');
  const reports = new Map<string, string>();
  for await (const { key } of listAll(store)) {
    if (key.startsWith('work/')) continue;
    const { body } = await store.get(key);
    reports.set(key, (await body.toArray()).join(''));
  }

  return reports;
}

function groupDeadLetters(world: MemoryWorld): Map<string, Set<string>> {
  const grouped = new Map<string, Set<string>>();
  for (const record of world.deadLetters()) {
    const ids = grouped.get(record.reason) ?? new Set();
    grouped.set(record.reason, ids.add(record.eventId));
  }

  return grouped;
}

function expectSameResult(actual: Outcome, reference: Outcome, label: string): void {
  expect([...actual.reports.keys()].sort(), label).toEqual([...reference.reports.keys()].sort());
  for (const [key, text] of reference.reports)
    expect(actual.reports.get(key), `${label}: ${key}`).toBe(text);
  expect([...actual.deadLetters.keys()].sort(), label).toEqual(
    [...reference.deadLetters.keys()].sort(),
  );
  for (const [reason, ids] of actual.deadLetters) {
    expect(ids.size, `${label}: "${reason}" under ${[...ids].join(', ')}`).toBe(1);
  }
}

const reference = await run({ seed: 1, pageSize: 3 });

describe('the pipeline on an in-memory platform', () => {
  it('reports what an independent reading of the files says', () => {
    const expected = SAMPLES.map((sample) => expectFile(sample.key, sample.text));
    const overall = JSON.parse(reference.reports.get(KEYS.overall) ?? '{}') as OverallReport;
    const totals = expectOverall(expected);

    expect(overall.totals).toEqual(totals.totals);
    expect(overall.byRegion).toEqual(Object.fromEntries(totals.byRegion));
    expect(overall.bySku).toEqual(Object.fromEntries(totals.bySku));
    expect(overall.rows.invalid).toBe(totals.invalid);
    expect(overall.files).toEqual({ counted: SAMPLES.length - 1, rejected: 1 });
    for (const file of expected) {
      const entry = overall.sources.find((source) => source.key === file.key);
      const report = JSON.parse(
        reference.reports.get(`files/${entry?.id}.json`) ?? '{}',
      ) as FileReport;
      expect(report.status, file.key).toBe(file.rejected ? 'rejected' : 'counted');
      expect(report.totals, file.key).toEqual(file.totals);
      expect(report.rows.invalid, file.key).toBe(file.invalidLines.length);
      if (!file.rejected) expect(report.batches, file.key).toBe(Math.ceil(file.valid / 40));
    }
  });

  it('dead-letters each invalid row once, naming file, line and problem', () => {
    const expected = SAMPLES.map((sample) => expectFile(sample.key, sample.text));
    const rowReasons = [...reference.deadLetters.keys()].filter((reason) =>
      / line \d+: /.test(reason),
    );
    const fromRows = rowReasons.map((reason) => reason.slice(0, reason.indexOf(':')));
    const counted = expected.filter((file) => !file.rejected);

    expect(fromRows.sort()).toEqual(
      counted.flatMap((file) => file.invalidLines.map((line) => `${file.key} line ${line}`)).sort(),
    );
    expect([...reference.deadLetters.keys()]).toContainEqual(
      expect.stringMatching(/^broken\.csv was not counted: the CSV is malformed: Quote Not Closed/),
    );
  });

  it('keeps the reports under other schedules, duplicates, failures, slow parses', async () => {
    for (let seed = 2; seed <= 12; seed++) {
      const options = { seed, concurrency: 8, pageSize: 2, duplicateRate: 0.3 };
      const other = await run(seed % 2 ? options : { ...options, slow: 'parse', flakyRate: 0.01 });
      expectSameResult(other, reference, `seed ${seed}`);
    }
  }, 120_000);

  it('gives the same reports when killed before or after any single operation', async () => {
    const failures: string[] = [];
    const calm = await run({ seed: 1, pageSize: 3 }, CRASH_SAMPLES);
    for (let at = 1; at <= calm.world.ops; at++) {
      for (const mode of ['before', 'after'] as Fault['mode'][]) {
        const label = `killed ${mode} operation ${at}`;
        const crashed = await run({ seed: 1, pageSize: 3, fault: { at, mode } }, CRASH_SAMPLES);
        try {
          expect(crashed.world.crashed, label).toBe(true);
          expectSameResult(crashed, calm, label);
        } catch (error) {
          failures.push(String(error));
        }
      }
    }

    expect(failures.slice(0, 3)).toEqual([]);
  }, 300_000);

  it('finishes reports a handler never got to, when the sweep runs', async () => {
    const world = new MemoryWorld(pipeline, { seed: 1, pageSize: 3 });
    for (const sample of SAMPLES) await world.upload('uploads', sample.key, sample.text);
    await world.drain();
    const store = world.store('reports');
    const finished = [];
    for await (const { key } of listAll(store)) if (!key.startsWith('work/')) finished.push(key);
    for (const key of finished) await store.delete(key);

    await world.fire('sweep');

    expectSameResult(
      { ...reference, world, reports: await readReports(world) },
      reference,
      'sweep',
    );
  });
});
