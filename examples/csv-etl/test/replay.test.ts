// Replaying the dead letters of csv-etl through the CLI: the invalid rows go back to `reject`,
// which finds each row claimed under the same event id and dead-letters it again, so the
// dead letters after the replay are the ones before it, reason for reason.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DeadLetterEntry, RunSummary } from '@cloudport/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectFile } from './support/expected.js';
import { committedSamples, manyOrders, type Sample } from './support/samples.js';

const CLI = fileURLToPath(new URL('../../../packages/cli/bin/cloudport.js', import.meta.url));
const PIPELINE = fileURLToPath(new URL('../src/pipeline.ts', import.meta.url));

let work: string;
let root: string;
let samples: Sample[];

function cli(...args: string[]): unknown {
  const env: NodeJS.ProcessEnv = { ...process.env, CLOUDPORT_LOG_LEVEL: 'silent' };
  delete env.CLOUDPORT_FAULT;
  const result = spawnSync(process.execPath, [CLI, ...args, '--root', root, '--json'], {
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(result.status, result.stderr).toBe(0);

  return JSON.parse(result.stdout);
}

function listDeadLetters(): DeadLetterEntry[] {
  return (cli('dlq', PIPELINE) as { deadLetters: DeadLetterEntry[] }).deadLetters;
}

/** What identifies a dead letter across a replay: function, event id and reason. */
function identities(letters: DeadLetterEntry[]): string[] {
  return letters.map((letter) => `${letter.function} ${letter.eventId} ${letter.reason}`).sort();
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'csv-etl-replay-'));
  root = join(work, 'root');
  const input = join(work, 'input');
  samples = [...committedSamples(), manyOrders('orders-2026-03-many.csv', 2_000)];
  await mkdir(input);
  for (const sample of samples) await writeFile(join(input, sample.key), sample.text);

  cli('run', PIPELINE, '--input', input);
}, 180_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('csv-etl dead letters after a replay', () => {
  it('lists every invalid row again, under the same event id and with the same reason', () => {
    const before = listDeadLetters();
    const invalid = samples.flatMap((sample) =>
      expectFile(sample.key, sample.text).invalidLines.map((line) => `${sample.key} line ${line}`),
    );
    const named = before.map((letter) => /^(.+ line \d+): /.exec(letter.reason)?.[1]);
    expect(named.sort()).toEqual(invalid.sort());

    const { replayed } = cli('dlq', PIPELINE, '--replay') as { replayed: number };
    expect(replayed).toBe(before.length);
    const summary = cli('run', PIPELINE) as RunSummary;

    expect(summary.functions.reject).toEqual({
      events: before.length,
      processed: 0,
      retried: 0,
      deadLettered: before.length,
    });
    const after = listDeadLetters();
    expect(after).toHaveLength(before.length);
    expect(identities(after)).toEqual(identities(before));
  });
});
