import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLocalQueue } from '../src/queue/index.js';

const CHILD = fileURLToPath(new URL('./fixtures/queue-crash-child.mjs', import.meta.url));
const BUILT = fileURLToPath(new URL('../dist/queue/index.js', import.meta.url));

/** When the parent kills a child run. */
type KillPoint =
  | {
      kind: 'frozen';
      op: 'send' | 'batch' | 'receive' | 'complete' | 'retry';
      count: number;
      ticks: number;
    }
  | { kind: 'after-lines'; lines: number }
  | { kind: 'after-ms'; ms: number };

interface Ledger {
  /** Tags whose send started. */
  sending: Set<string>;
  /** Acknowledged sends: tag to message id. */
  sent: Map<string, string>;
  completing: Set<string>;
  /** Acknowledged completes, in order, repeats included. */
  completed: string[];
}

let root = '';
beforeAll(async () => {
  if (!existsSync(BUILT)) {
    throw new Error(`The crash test runs the built queue; run "npx tsc -b" first (${BUILT}).`);
  }
  root = await mkdtemp(join(tmpdir(), 'cloudport-queue-crash-'));
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/** Runs one child until the kill point, SIGKILLs it (unless it finished) and waits for its exit. */
async function runChild(dir: string, log: string, run: string, seed: number, point: KillPoint) {
  const freeze = point.kind === 'frozen' ? [point.op, `${point.count}`, `${point.ticks}`] : [];
  const child = spawn(process.execPath, [CHILD, dir, log, run, `${seed}`, ...freeze], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  const outcome = await Promise.race([killWhen(child, log, point), exited.then(() => 'exited')]);
  if (outcome !== 'exited') child.kill('SIGKILL');
  const code = await exited;
  if (outcome === 'exited' && code !== 0) throw new Error(`child run ${run} failed: ${stderr}`);

  return outcome;
}

async function killWhen(child: ChildProcess, log: string, point: KillPoint): Promise<string> {
  const stdout = child.stdout as NodeJS.ReadableStream;
  const printed = (word: string) =>
    new Promise<void>((done) => {
      let seen = '';
      stdout.on('data', (chunk) => {
        seen += chunk;
        if (seen.includes(`${word}\n`)) done();
      });
    });
  if (point.kind === 'frozen') {
    await printed('frozen');
    return 'killed while frozen';
  }
  await printed('open');
  if (point.kind === 'after-ms') {
    await new Promise((done) => setTimeout(done, point.ms));
    return `killed after ${point.ms} ms`;
  }
  for (;;) {
    const text = await readFile(log, 'utf8').catch(() => '');
    if (text.split('\n').length > point.lines) return `killed after ${point.lines} lines`;
    await new Promise((done) => setTimeout(done, 2));
  }
}

function readLedger(text: string): Ledger {
  const ledger: Ledger = {
    sending: new Set(),
    sent: new Map(),
    completing: new Set(),
    completed: [],
  };
  for (const line of text.split('\n')) {
    const [word, first, second] = line.split(' ');
    if (word === 'sending') ledger.sending.add(first as string);
    if (word === 'sent') ledger.sent.set(first as string, second as string);
    if (word === 'completing') ledger.completing.add(first as string);
    if (word === 'completed') ledger.completed.push(first as string);
  }

  return ledger;
}

const DETERMINISTIC: KillPoint[] = [
  { kind: 'frozen', op: 'send', count: 3, ticks: 0 },
  { kind: 'frozen', op: 'send', count: 5, ticks: 2 },
  { kind: 'frozen', op: 'batch', count: 2, ticks: 1 },
  { kind: 'frozen', op: 'receive', count: 2, ticks: 0 },
  { kind: 'frozen', op: 'receive', count: 4, ticks: 2 },
  { kind: 'frozen', op: 'complete', count: 3, ticks: 0 },
  { kind: 'frozen', op: 'complete', count: 6, ticks: 1 },
  { kind: 'frozen', op: 'retry', count: 1, ticks: 1 },
  { kind: 'after-lines', lines: 1 },
  { kind: 'after-lines', lines: 60 },
  { kind: 'after-lines', lines: 200 },
];

describe('local queue after SIGKILL', () => {
  it('loses no acknowledged send and redelivers no acknowledged complete', async () => {
    const dir = join(root, 'queue');
    const log = join(root, 'ledger.log');
    const random: KillPoint[] = [1, 2, 3].map(() => ({
      kind: 'after-ms',
      ms: 5 + Math.floor(Math.random() * 150),
    }));
    const points = [...DETERMINISTIC, ...random];
    const outcomes: string[] = [];
    for (const [at, point] of points.entries()) {
      outcomes.push(await runChild(dir, log, `r${at}`, 1000 + at, point));
    }

    // The same settings as the children: a message abandoned in flight by several killed runs
    // has used several attempts, and a lower maxAttempts would dead-letter it on open.
    const settings = { dir, name: 'crash-test', body: 'json', maxAttempts: 1000 } as const;
    const queue = await openLocalQueue<{ tag: string }>(settings);
    const drained = new Map<string, string>();
    for (let batch = await queue.receive({ maxMessages: 100 }); batch.length > 0; ) {
      for (const message of batch) {
        expect(drained.has(message.messageId), `${message.messageId} drained twice`).toBe(false);
        drained.set(message.messageId, message.body.tag);
        await queue.complete(message);
      }
      batch = await queue.receive({ maxMessages: 100 });
    }
    expect(queue.counts()).toEqual({ ready: 0, delayed: 0, inFlight: 0, dead: 0 });
    await queue.close();

    const ledger = readLedger(await readFile(log, 'utf8'));
    const context = `kill points: ${JSON.stringify(points)}; outcomes: ${outcomes.join(', ')}`;
    expect(ledger.sent.size, context).toBeGreaterThan(50);
    expect(ledger.completed.length, context).toBeGreaterThan(20);
    const lost = [...ledger.sent].filter(
      ([, id]) => !drained.has(id) && !ledger.completing.has(id),
    );
    expect(lost, `acknowledged sends missing; ${context}`).toEqual([]);
    const twice = ledger.completed.filter((id, at) => ledger.completed.indexOf(id) !== at);
    expect(twice, `completed twice; ${context}`).toEqual([]);
    const reappeared = ledger.completed.filter((id) => drained.has(id));
    expect(reappeared, `delivered after an acknowledged complete; ${context}`).toEqual([]);
    const phantoms = [...drained.values()].filter((tag) => !ledger.sending.has(tag));
    expect(phantoms, `messages nobody sent; ${context}`).toEqual([]);
    for (const [tag, id] of ledger.sent) {
      if (drained.has(id)) expect(drained.get(id), `body of ${id}`).toBe(tag);
    }
  }, 120_000);
});
