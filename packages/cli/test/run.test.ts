import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../src/summary.js';
import {
  assertBuilt,
  fixture,
  lines,
  readObject,
  runCli,
  startCli,
  tempDir,
  waitFor,
} from './helpers.js';

const PIPELINE = fixture('pipeline.ts');

let work: Awaited<ReturnType<typeof tempDir>>;
let root: string;

const inputFile = (key: string) => join(work.path, 'input', key);
const out = (key: string) => readObject(root, 'out', key);

async function run(...args: string[]) {
  return runCli(['run', PIPELINE, '--root', root, ...args], { cwd: work.path });
}

async function runJson(...args: string[]): Promise<RunReport> {
  const result = await run('--input', 'input', '--json', ...args);
  expect(result.code, result.stderr).toBe(0);

  return JSON.parse(result.stdout) as RunReport;
}

beforeAll(async () => {
  assertBuilt();
  work = await tempDir();
  root = join(work.path, 'root');
  await mkdir(inputFile('sub'), { recursive: true });
  await writeFile(inputFile('a.txt'), 'alpha\nsecond line');
  await writeFile(inputFile('b.txt'), 'beta');
  await writeFile(inputFile('sub/c.txt'), 'gamma');
  await writeFile(inputFile('reject.txt'), 'REJECT me');
  await writeFile(inputFile('.hidden'), 'never copied');
});

afterAll(() => work.remove());

describe('cloudport run', () => {
  it('copies the input, drains the queues and prints one JSON summary', async () => {
    const report = await runJson('--fresh');

    expect(report).toMatchObject({
      pipeline: 'cli-fixture',
      root,
      input: { bucket: 'uploads', files: 4, copied: 4, skipped: 0 },
      functions: {
        copy: { events: 4, processed: 3, retried: 0, deadLettered: 1 },
        shout: { events: 3, processed: 3, retried: 0, deadLettered: 0 },
      },
      deadLetters: [
        expect.objectContaining({ function: 'copy', reason: 'reject.txt is marked REJECT' }),
      ],
    });
    expect(report.outputs).toContainEqual(expect.objectContaining({ bucket: 'out', objects: 6 }));
    expect(typeof report.elapsedMs).toBe('number');
    expect(typeof report.drainElapsedMs).toBe('number');
    expect(await out('a.txt')).toBe('alpha\nsecond line');
    expect(await out('shouted/sub/c.txt')).toBe('GAMMA');
    expect(await readObject(root, 'uploads', '.hidden')).toBeUndefined();
  });

  it('copies only new or changed files on a second run; unchanged ones fire no event', async () => {
    const unchanged = await runJson();

    expect(unchanged.input).toMatchObject({ copied: 0, skipped: 4 });
    expect(unchanged.functions.copy?.events).toBe(0);

    await writeFile(inputFile('b.txt'), 'beta, edited');
    const changed = await runJson();

    expect(changed.input).toMatchObject({ copied: 1, skipped: 3 });
    expect(changed.functions.copy).toMatchObject({ events: 1, processed: 1 });
    expect(await out('shouted/b.txt')).toBe('BETA, EDITED');
  });

  it('prints a human summary with counts, dead letters, outputs and time', async () => {
    const result = await run('--input', 'input');

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^pipeline cli-fixture \(root root\)\n/);
    expect(result.stdout).toMatch(
      /^input 4 files from input to bucket uploads: 0 copied, 4 unchanged/m,
    );
    expect(result.stdout).toMatch(/^function +events +processed +retried +dead-lettered$/m);
    expect(result.stdout).toMatch(
      /^dead letters: 1\n.*\n {2}copy .*reject\.txt is marked REJECT$/m,
    );
    expect(result.stdout).toMatch(/\ndone in [\d.]+ m?s\n$/);
  });

  it('exits 1 on dead letters only with --fail-on-dead-letters', async () => {
    expect((await run()).code).toBe(0);
    expect((await run('--fail-on-dead-letters')).code).toBe(1);
  });

  it('starts over with --fresh', async () => {
    const report = await runJson('--fresh');

    expect(report.input).toMatchObject({ copied: 4, skipped: 0 });
    expect(report.functions.copy?.events).toBe(4);
  });
});

describe('cloudport dlq', () => {
  it('lists dead letters as text and as JSON', async () => {
    const text = await runCli(['dlq', PIPELINE, '--root', root], { cwd: work.path });
    const json = await runCli(['dlq', PIPELINE, '--root', root, '--json'], { cwd: work.path });

    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /^dead letters: 1\nqueue +function +event id +dead-lettered at +reason\n/,
    );
    expect(text.stdout).toContain('reject.txt is marked REJECT');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      deadLetters: [
        expect.objectContaining({
          function: 'copy',
          reason: 'reject.txt is marked REJECT',
          queue: expect.any(String),
          deadLetteredAt: expect.any(String),
        }),
      ],
    });
  });

  it('replays dead letters, which the next run processes again', async () => {
    const replay = await runCli(['dlq', PIPELINE, '--root', root, '--replay', '--json'], {
      cwd: work.path,
    });
    const after = await runCli(['dlq', PIPELINE, '--root', root, '--json'], { cwd: work.path });

    expect(replay.code).toBe(0);
    expect(JSON.parse(replay.stdout)).toEqual({ replayed: 1 });
    expect(JSON.parse(after.stdout)).toEqual({ deadLetters: [] });

    const report = await runJson();
    expect(report.functions.copy).toMatchObject({ events: 1, deadLettered: 1 });
  });

  it('says how many it replayed in text mode', async () => {
    const result = await runCli(['dlq', PIPELINE, '--root', root, '--replay'], { cwd: work.path });

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^replayed 1 dead letter; "cloudport run"/);
  });
});

describe('a bound dead-letter queue', () => {
  it('finishes the run and reports the dead letters forwarded to the bound queue', async () => {
    const module = fixture('bound-dlq.ts');
    const dlqRoot = join(work.path, 'bound-root');
    await mkdir(join(work.path, 'inbox'));
    await writeFile(join(work.path, 'inbox', 'good.txt'), 'fine');
    await writeFile(join(work.path, 'inbox', 'bad.txt'), 'not fine');

    const args = ['run', module, '--root', dlqRoot, '--input', 'inbox', '--json'];
    const result = await runCli(args, { cwd: work.path });

    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      functions: { check: { events: 2, processed: 1, deadLettered: 1 } },
      deadLetters: [{ function: 'check', queue: 'rejects', reason: 'bad.txt is bad' }],
    });
    const listed = await runCli(['dlq', module, '--root', dlqRoot, '--json'], { cwd: work.path });
    expect(JSON.parse(listed.stdout)).toMatchObject({
      deadLetters: [{ queue: 'rejects', function: 'check', reason: 'bad.txt is bad' }],
    });
  });
});

describe('cloudport invoke', () => {
  async function invoke(module: string, fn: string, event: unknown) {
    const file = join(work.path, `${fn}-event.json`);
    await writeFile(file, JSON.stringify(event));

    return runCli(['invoke', module, fn, '--event', file, '--root', root], { cwd: work.path });
  }

  it('exits 0 when the event is processed', async () => {
    const result = await invoke(PIPELINE, 'shout', {
      type: 'message',
      body: { key: 'direct.txt', text: 'hey' },
    });

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^processed: shout finished in \d+ ms\n$/);
    expect(await out('shouted/direct.txt')).toBe('HEY');
  });

  it('exits 1 when the handler fails and the event would be retried', async () => {
    const result = await invoke(PIPELINE, 'copy', { type: 'object.created', key: 'missing.txt' });

    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^retry: copy failed after \d+ ms: .*missing\.txt/);
  });

  it('exits 1 when the handler dead-letters the event', async () => {
    const result = await invoke(PIPELINE, 'copy', { type: 'object.created', key: 'reject.txt' });

    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^dead-letter: reject\.txt is marked REJECT/);
  });

  it('passes a base64 body to a bytes queue as bytes', async () => {
    const body = { base64: Buffer.from('hi there').toString('base64') };
    const result = await invoke(fixture('events.ts'), 'blob', { type: 'message', body });

    expect(result.code, result.stdout).toBe(0);
  });
});

describe('long and interrupted runs', () => {
  it('shows progress on stderr once a run takes over a second, beside the summary', async () => {
    await writeFile(inputFile('slow-1.txt'), 'slow');
    const result = await run('--input', 'input');

    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^cloudport: processing \d+\/\d+ events \(\d+ s\)$/m);
    expect(result.stdout).toMatch(/^pipeline cli-fixture/);
    expect(result.stdout).not.toContain('cloudport:');
  });

  it('shows no progress in --json mode', async () => {
    await writeFile(inputFile('slow-2.txt'), 'slow');
    const result = await run('--input', 'input', '--json');

    expect(result.code).toBe(0);
    expect(result.stderr).not.toMatch(/^cloudport:/m);
    expect(JSON.parse(result.stdout)).toHaveProperty('functions');
  });

  it('exits 130 on SIGINT and resumes on the next run', async () => {
    await writeFile(inputFile('slow-3.txt'), 'slow three');
    const child = startCli(['run', PIPELINE, '--root', root, '--input', 'input'], {
      cwd: work.path,
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((done) => child.on('close', done));
    // The first status line shows that the run is draining, with the slow handler running.
    await waitFor(() => stderr.includes('cloudport: processing'), 'a progress line');
    child.kill('SIGINT');

    expect(await exited).toBe(130);
    expect(lines(stderr).at(-1)).toMatch(/^cloudport: interrupted; .* to resume$/);

    const report = await runJson();
    expect(report.input?.copied).toBe(0);
    expect(await out('slow-3.txt')).toBe('slow three');
  });

  it('processes what a crashed run had copied, without copying it again', async () => {
    const crashed = await runCli(['run', PIPELINE, '--root', root, '--input', 'input', '--fresh'], {
      cwd: work.path,
      env: { CLOUDPORT_FAULT: 'put:uploads:2' },
    });
    expect(crashed.code).toBe(null);

    const report = await runJson();

    expect(report.input?.skipped).toBeGreaterThanOrEqual(2);
    expect(report.input?.copied).toBe(7 - (report.input?.skipped ?? 0));
    for (const key of ['a.txt', 'b.txt', 'sub/c.txt', 'slow-1.txt', 'slow-2.txt', 'slow-3.txt']) {
      expect(await out(key), key).toBeDefined();
      expect(await out(`shouted/${key}`), key).toBeDefined();
    }
  });
});
