import { execFileSync } from 'node:child_process';
import { createReadStream, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listAll, readAll } from '@cloudport/core';
import { createLocalRuntime, type LocalRuntime, type RunSummary } from '@cloudport/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYS } from '../src/keys.js';
import type { FileReport, OverallReport } from '../src/model.js';
import pipeline from '../src/pipeline.js';
import { BATCH_ROWS } from '../src/sizes.js';
import { type ExpectedFile, expectFile, expectOverall } from './support/expected.js';
import { brokenOrders, committedSamples, type Sample } from './support/samples.js';

const GENERATOR = fileURLToPath(new URL('../scripts/generate-data.mjs', import.meta.url));
/** Rows of the generated file: as in `npm start`, enough for hundreds of batches. */
const LARGE_ROWS = 200_000;

let work: string;
let runtime: LocalRuntime;
let summary: RunSummary;
let uploads: Array<Sample & { path?: string }>;
let expected: ExpectedFile[];

async function readJsonObject<T>(key: string): Promise<T> {
  const { body } = await runtime.store('reports').get(key);

  return JSON.parse((await readAll(body)).toString('utf8')) as T;
}

async function fileReports(): Promise<Map<string, FileReport>> {
  const byKey = new Map<string, FileReport>();
  for await (const info of listAll(runtime.store('reports'), KEYS.fileReports)) {
    const report = await readJsonObject<FileReport>(info.key);
    byKey.set(report.file.key, report);
  }

  return byKey;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'csv-etl-e2e-'));
  const large = join(work, 'orders-2025-large.csv');
  execFileSync(process.execPath, [
    GENERATOR,
    '--rows',
    String(LARGE_ROWS),
    '--out',
    large,
    '--force',
  ]);
  uploads = [
    ...committedSamples(),
    { key: 'orders-2025-large.csv', text: readFileSync(large, 'utf8'), path: large },
    brokenOrders('broken.csv', 700),
  ];
  expected = uploads.map((upload) => expectFile(upload.key, upload.text));

  runtime = await createLocalRuntime({ pipeline, root: join(work, 'state'), logger: false });
  for (const upload of uploads) {
    // The large file goes in as a stream, as `cloudport run --input` would.
    const data = upload.path ? createReadStream(upload.path) : upload.text;
    await runtime.store('uploads').put(upload.key, data, { contentType: 'text/csv' });
  }
  summary = await runtime.drain();
}, 600_000);

afterAll(async () => {
  await runtime?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('csv-etl on the local runtime', () => {
  it('writes an overall report that matches an independent count of the data', async () => {
    const overall = await readJsonObject<OverallReport>(KEYS.overall);
    const want = expectOverall(expected);

    expect(overall.totals).toEqual(want.totals);
    expect(overall.byRegion).toEqual(Object.fromEntries(want.byRegion));
    expect(overall.bySku).toEqual(Object.fromEntries(want.bySku));
    expect(overall.rows).toEqual({ valid: want.totals.orders, invalid: want.invalid });
    expect(overall.files).toEqual({ counted: uploads.length - 1, rejected: 1 });
    expect(overall.sources.map((entry) => entry.key).sort()).toEqual(
      uploads.map((upload) => upload.key).sort(),
    );
  });

  it('writes one report per file with its own totals and invalid rows', async () => {
    const reports = await fileReports();

    expect([...reports.keys()].sort()).toEqual(uploads.map((upload) => upload.key).sort());
    for (const file of expected) {
      const report = reports.get(file.key) as FileReport;
      expect(report.status, file.key).toBe(file.rejected ? 'rejected' : 'counted');
      expect(report.totals, file.key).toEqual(file.totals);
      expect(report.byRegion, file.key).toEqual(Object.fromEntries(file.byRegion));
      expect(report.bySku, file.key).toEqual(Object.fromEntries(file.bySku));
      expect(report.rows, file.key).toEqual(
        file.rejected
          ? { valid: 0, invalid: 0 }
          : { valid: file.valid, invalid: file.invalidLines.length },
      );
    }
    for (const file of expected.filter((f) => !f.rejected)) {
      expect(reports.get(file.key)?.batches, file.key).toBe(Math.ceil(file.valid / BATCH_ROWS));
    }
  });

  it('dead-letters every invalid row once, with file, line and problem in the reason', async () => {
    const letters = await runtime.deadLetters();
    const rowLetters = letters.filter((letter) => letter.function === 'reject');
    const named = rowLetters.map((letter) =>
      /^(.+) line (\d+): \S/.exec(letter.reason)?.slice(1, 3).join(' line '),
    );
    const wanted = expected
      .filter((file) => !file.rejected)
      .flatMap((file) => file.invalidLines.map((line) => `${file.key} line ${line}`));

    expect(named.sort()).toEqual(wanted.sort());
    expect(rowLetters.map((letter) => letter.reason)).toContainEqual(
      'orders-2026-02-east-mixed.csv line 12: expected 6 fields, found 5',
    );
    expect(rowLetters.map((letter) => letter.reason)).toContainEqual(
      'orders-2026-02-east-mixed.csv line 5: quantity "three" is not a whole number ' +
        'from 1 to 10000',
    );
  });

  it('dead-letters the broken file as a whole and counts none of its rows', async () => {
    const letters = await runtime.deadLetters();
    const fileLetters = letters.filter((letter) => letter.function === 'parse');

    expect(fileLetters.map((letter) => letter.reason)).toEqual([
      expect.stringMatching(/^broken\.csv was not counted: the CSV is malformed: Quote Not Closed/),
    ]);
  });

  it('reports the run: every batch processed, the dead letters listed', () => {
    const counted = expected.filter((file) => !file.rejected);
    const batches = counted.reduce((sum, file) => sum + Math.ceil(file.valid / BATCH_ROWS), 0);

    expect(summary.functions.aggregate?.processed).toBe(batches);
    expect(summary.functions.aggregate?.deadLettered).toBe(0);
    expect(summary.deadLetters.length).toBe(expectOverall(expected).invalid + 1);
  });

  it('counts nothing twice when the same bytes are uploaded again', async () => {
    const before = await readJsonObject<OverallReport>(KEYS.overall);
    const again = uploads.find((upload) => upload.key.includes('north')) as Sample;

    await runtime.store('uploads').put(again.key, again.text);
    await runtime.drain();

    expect(await readJsonObject<OverallReport>(KEYS.overall)).toEqual(before);
  });
});
