// Crash tests of the csv-etl example on the local runtime: the CLI is killed with SIGKILL at
// deterministic points (mid-batch, between a partial write and its acknowledgement, while the
// reports are written), then run again without --fresh; the reports must come out complete
// and exact, compared with totals computed from the input by the test's own CSV reader.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ObjectStore, readAll } from '@cloudport/core';
import { createFileStore, type RunSummary } from '@cloudport/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OverallReport } from '../examples/csv-etl/src/model.js';
import { expectFile, expectOverall } from '../examples/csv-etl/test/support/expected.js';
import {
  committedSamples,
  manyOrders,
  type Sample,
} from '../examples/csv-etl/test/support/samples.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(REPO, 'packages/cli/bin/cloudport.js');
const PIPELINE = join(REPO, 'examples/csv-etl/src/pipeline.ts');

let work: string;
let input: string;
let samples: Sample[];
let cleanPuts: number;
let cleanDeadLetters: string[];

interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  summary?: RunSummary;
  stderr: string;
}

function run(root: string, fault?: string): Run {
  const env: NodeJS.ProcessEnv = { ...process.env, CLOUDPORT_LOG_LEVEL: 'silent' };
  delete env.CLOUDPORT_FAULT;
  if (fault) env.CLOUDPORT_FAULT = fault;
  const result = spawnSync(
    process.execPath,
    [CLI, 'run', PIPELINE, '--input', input, '--root', root, '--json'],
    { env, encoding: 'utf8', timeout: 180_000 },
  );
  const stdout = result.stdout.trim();

  return {
    status: result.status,
    signal: result.signal,
    stderr: result.stderr,
    ...(result.status === 0 && stdout ? { summary: JSON.parse(stdout) as RunSummary } : {}),
  };
}

function reports(root: string): ObjectStore {
  return createFileStore({ dir: join(root, 'buckets', 'reports'), bucket: 'reports' });
}

async function overall(root: string): Promise<OverallReport | undefined> {
  try {
    const { body } = await reports(root).get('overall.json');
    return JSON.parse((await readAll(body)).toString('utf8')) as OverallReport;
  } catch {
    return undefined;
  }
}

function expectExact(report: OverallReport | undefined): void {
  const want = expectOverall(samples.map((sample) => expectFile(sample.key, sample.text)));
  expect(report?.totals).toEqual(want.totals);
  expect(report?.byRegion).toEqual(Object.fromEntries(want.byRegion));
  expect(report?.bySku).toEqual(Object.fromEntries(want.bySku));
  expect(report?.rows).toEqual({ valid: want.totals.orders, invalid: want.invalid });
  expect(report?.files).toEqual({ counted: samples.length, rejected: 0 });
}

/** Every dead letter as `<function>: <reason>`, sorted; a duplicate shows up twice. */
function describeDeadLetters(summary: RunSummary | undefined): string[] {
  return (summary?.deadLetters ?? [])
    .map((letter) => `${letter.function}: ${letter.reason}`)
    .sort();
}

/** The `<key> line <n>` each dead letter of `reject` names, sorted. */
function rowsOf(letters: string[]): string[] {
  return letters.flatMap((letter) => /^reject: (.+ line \d+): /.exec(letter)?.[1] ?? []).sort();
}

/** Every invalid row of the input, as the test's own reader finds them. */
function invalidRows(): string[] {
  return samples
    .flatMap((sample) =>
      expectFile(sample.key, sample.text).invalidLines.map((line) => `${sample.key} line ${line}`),
    )
    .sort();
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'csv-etl-crash-'));
  input = join(work, 'input');
  // 60 batches: more than the aggregate consumer can have received by either kill below.
  samples = [...committedSamples(), manyOrders('orders-2026-03-many.csv', 30_000)];
  const { mkdir } = await import('node:fs/promises');
  await mkdir(input);
  for (const sample of samples) await writeFile(join(input, sample.key), sample.text);

  const clean = run(join(work, 'clean'));
  expect(clean.status, clean.stderr).toBe(0);
  expectExact(await overall(join(work, 'clean')));
  cleanPuts = clean.summary?.outputs.find((o) => o.bucket === 'reports')?.objects ?? 0;
  expect(cleanPuts).toBeGreaterThan(20);
  cleanDeadLetters = describeDeadLetters(clean.summary);
  expect(rowsOf(cleanDeadLetters)).toEqual(invalidRows());
}, 300_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('csv-etl survives a crash at any point', () => {
  // Each point names the function or bucket it counts, so the kill lands in the same step
  // whatever the consumers running beside it are doing. aggregate takes batches of 10
  // messages, 4 at a time, and acknowledges a batch's messages one by one after its handlers
  // ran: by its 12th handled message it has received at most 50 of the large file's 60, so
  // that file cannot be counted yet. Only 2 file reports exist at the third point.
  const points = [
    // Some messages of the batch being settled are acknowledged, the rest are not.
    ['mid-batch, after the 7th acknowledgement of aggregate', 'ack:aggregate:7'],
    // The 12th aggregate handler has written its partial and returned; its ack is next.
    ['between a partial write and its acknowledgement', 'handled:aggregate:12'],
    ['while the reports are being written', 'put:reports:files/:2'],
  ] as const;

  for (const [name, fault] of points) {
    it(`finishes exactly after a kill ${name}`, async () => {
      const root = join(work, fault.replaceAll(':', '-'));
      const crashed = run(root, fault);

      expect(crashed.signal).toBe('SIGKILL');
      const partial = await overall(root);
      const counted = (partial?.files.counted ?? 0) + (partial?.files.rejected ?? 0);
      expect(counted, 'the killed run left files uncounted').toBeLessThan(samples.length);

      const resumed = run(root);
      expect(resumed.status, resumed.stderr).toBe(0);
      expectExact(await overall(root));
      // The whole list, reason by reason: a lost or a doubled dead letter fails here.
      expect(describeDeadLetters(resumed.summary)).toEqual(cleanDeadLetters);
    }, 300_000);
  }
});
