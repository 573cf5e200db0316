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
  | {
      kind: 'frozen-at';
      op: 'dead-letter' | 'replay' | 'delayed-send' | 'delayed-retry';
      count: number;
      /** The file call of that operation to stop at, and whether before or after it ran. */
      call: 'writeFile' | 'rename' | 'unlink';
      phase: 'before' | 'after';
    }
  | { kind: 'after-lines'; lines: number }
  | { kind: 'after-ms'; ms: number };

/** What the ledger says of one message: where it is, and where a pending operation moves it. */
interface Track {
  tag: string | undefined;
  state: Place;
  /** Set while an operation on the message started and was not acknowledged. */
  pending: Place | undefined;
}

type Place = 'live' | 'dead' | 'gone';

interface Ledger {
  /** Tags whose send started. */
  sending: Set<string>;
  /** Acknowledged sends: tag to message id. */
  sent: Map<string, string>;
  messages: Map<string, Track>;
  /** Acknowledged operations that break the contract, found while reading the ledger. */
  broken: string[];
  tally: {
    completed: number;
    deadLettered: number;
    replayed: number;
    delayedSends: number;
    delayedRetries: number;
  };
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
  const freeze = freezeArgs(point);
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

function freezeArgs(point: KillPoint): string[] {
  if (point.kind === 'frozen') return [point.op, `${point.count}`, `${point.ticks}`];
  if (point.kind === 'frozen-at')
    return [point.op, `${point.count}`, `${point.call}:${point.phase}`];

  return [];
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
  if (point.kind === 'frozen' || point.kind === 'frozen-at') {
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

/**
 * Replays the ledger: every acknowledged operation fixes where its message is; one that
 * started and was not acknowledged (its run was killed) leaves two places possible.
 */
function readLedger(text: string): Ledger {
  const ledger: Ledger = {
    sending: new Set(),
    sent: new Map(),
    messages: new Map(),
    broken: [],
    tally: { completed: 0, deadLettered: 0, replayed: 0, delayedSends: 0, delayedRetries: 0 },
  };
  const track = (id: string): Track => {
    let found = ledger.messages.get(id);
    if (!found) {
      found = { tag: undefined, state: 'live', pending: undefined };
      ledger.messages.set(id, found);
    }
    return found;
  };
  const may = (message: Track, place: Place) =>
    message.state === place || message.pending === place;
  for (const [at, line] of text.split('\n').entries()) {
    const [word, first = '', second = ''] = line.split(' ');
    const message =
      word === 'sending' || !first ? undefined : track(word === 'sent' ? second : first);
    const broken = (what: string) => ledger.broken.push(`line ${at + 1} "${line}": ${what}`);
    if (word === 'sending') {
      ledger.sending.add(first);
      if (Number(second) > 0) ledger.tally.delayedSends += 1;
    }
    if (!message) continue;
    if (word === 'sent') {
      ledger.sent.set(first, second);
      message.tag = first;
    } else if (word === 'received') {
      if (!may(message, 'live')) broken(`delivered while ${message.state}`);
      message.tag = second;
      Object.assign(message, { state: 'live', pending: undefined });
    } else if (word === 'completing') {
      message.pending = 'gone';
    } else if (word === 'completed') {
      if (message.state === 'gone') broken('completed twice');
      Object.assign(message, { state: 'gone', pending: undefined });
      ledger.tally.completed += 1;
    } else if (word === 'retrying') {
      message.pending = undefined;
      if (Number(second) > 0) ledger.tally.delayedRetries += 1;
    } else if (word === 'dead-lettering') {
      message.pending = 'dead';
    } else if (word === 'dead-lettered') {
      Object.assign(message, { state: 'dead', pending: undefined });
      ledger.tally.deadLettered += 1;
    } else if (word === 'replaying') {
      // Replays name only messages the run saw as dead letters.
      if (!may(message, 'dead')) broken(`listed as a dead letter while ${message.state}`);
      Object.assign(message, { state: 'dead', pending: 'live' });
    } else if (word === 'replayed') {
      Object.assign(message, { state: 'live', pending: undefined });
      ledger.tally.replayed += 1;
    }
  }

  return ledger;
}

/**
 * Opens the queue as the next run would and checks it against the ledger: every message the
 * ledger knows is exactly once live (waiting or in flight), dead-lettered with its reason, or
 * gone after a complete, wherever its last acknowledged operation (or the pending one) put
 * it, and nothing is there that nobody sent.
 */
async function checkQueue(dir: string, log: string, context: string): Promise<Ledger> {
  const queue = await openLocalQueue<{ tag: string }>({ ...SETTINGS, dir });
  const live = await queue.browse();
  const dead = await queue.deadLetters();
  await queue.close();
  const ledger = readLedger(await readFile(log, 'utf8'));
  expect(ledger.broken, context).toEqual([]);

  const places = new Map<string, Place>();
  const tags = new Map<string, string>();
  const problems: string[] = [];
  const found = [
    ...live.map((message) => ['live', message] as const),
    ...dead.map((letter) => ['dead', letter] as const),
  ];
  for (const [place, message] of found) {
    const id = message.messageId;
    const tag = message.body.tag;
    if (places.has(id)) problems.push(`${id} is ${places.get(id)} and ${place}`);
    places.set(id, place);
    if (tags.has(tag)) problems.push(`tag ${tag} is held by ${tags.get(tag)} and ${id}`);
    tags.set(tag, id);
    if (!ledger.sending.has(tag)) problems.push(`${id} holds ${tag}, which nobody sent`);
    const sentAs = ledger.sent.get(tag);
    if (sentAs !== undefined && sentAs !== id)
      problems.push(`${tag} was sent as ${sentAs}, not ${id}`);
    const known = ledger.messages.get(id)?.tag;
    if (known !== undefined && known !== tag) problems.push(`${id} holds ${tag}, not ${known}`);
  }
  for (const letter of dead) {
    const wanted = `rejected ${letter.body.tag}`;
    if (letter.reason !== wanted)
      problems.push(`${letter.messageId} has reason "${letter.reason}"`);
  }
  for (const [id, message] of ledger.messages) {
    const place = places.get(id) ?? 'gone';
    const allowed = [message.state, ...(message.pending ? [message.pending] : [])];
    if (!allowed.includes(place))
      problems.push(`${id} is ${place}, expected ${allowed.join(' or ')}`);
  }
  expect(problems, context).toEqual([]);

  return ledger;
}

// The same settings as the children.
const SETTINGS = { name: 'crash-test', body: 'json', maxAttempts: 1000, logger: false } as const;

const DETERMINISTIC: KillPoint[] = [
  { kind: 'frozen', op: 'send', count: 3, ticks: 0 },
  { kind: 'frozen', op: 'send', count: 5, ticks: 2 },
  { kind: 'frozen', op: 'batch', count: 2, ticks: 1 },
  { kind: 'frozen', op: 'receive', count: 2, ticks: 0 },
  { kind: 'frozen', op: 'receive', count: 4, ticks: 2 },
  { kind: 'frozen', op: 'complete', count: 3, ticks: 0 },
  { kind: 'frozen', op: 'complete', count: 6, ticks: 1 },
  { kind: 'frozen', op: 'retry', count: 1, ticks: 1 },
  // Dead-lettering writes the dead copy, then removes the live file: stop before, between
  // and after.
  { kind: 'frozen-at', op: 'dead-letter', count: 1, call: 'rename', phase: 'before' },
  { kind: 'frozen-at', op: 'dead-letter', count: 2, call: 'unlink', phase: 'before' },
  { kind: 'frozen-at', op: 'dead-letter', count: 4, call: 'unlink', phase: 'before' },
  { kind: 'frozen-at', op: 'dead-letter', count: 3, call: 'unlink', phase: 'after' },
  // Replay renames the dead file back into the ready folder.
  { kind: 'frozen-at', op: 'replay', count: 1, call: 'rename', phase: 'before' },
  { kind: 'frozen-at', op: 'replay', count: 2, call: 'rename', phase: 'after' },
  { kind: 'frozen-at', op: 'delayed-send', count: 1, call: 'writeFile', phase: 'before' },
  { kind: 'frozen-at', op: 'delayed-send', count: 2, call: 'rename', phase: 'before' },
  { kind: 'frozen-at', op: 'delayed-send', count: 3, call: 'rename', phase: 'after' },
  { kind: 'frozen-at', op: 'delayed-retry', count: 1, call: 'rename', phase: 'before' },
  { kind: 'frozen-at', op: 'delayed-retry', count: 2, call: 'rename', phase: 'after' },
  { kind: 'after-lines', lines: 1 },
  { kind: 'after-lines', lines: 60 },
  { kind: 'after-lines', lines: 200 },
];

describe('local queue after SIGKILL', () => {
  it('keeps every message exactly once completed, waiting or dead-lettered', async () => {
    const dir = join(root, 'queue');
    const log = join(root, 'ledger.log');
    const random: KillPoint[] = [1, 2, 3].map(() => ({
      kind: 'after-ms',
      ms: 5 + Math.floor(Math.random() * 150),
    }));
    const points = [...DETERMINISTIC, ...random];
    const outcomes: string[] = [];
    for (const [at, point] of points.entries()) {
      const outcome = await runChild(dir, log, `r${at}`, 1000 + at, point);
      outcomes.push(outcome);
      const context = `after run r${at}, killed at ${JSON.stringify(point)}: ${outcome}`;
      if (point.kind.startsWith('frozen')) expect(outcome, context).toBe('killed while frozen');
      await checkQueue(dir, log, context);
    }

    const context = `kill points: ${JSON.stringify(points)}; outcomes: ${outcomes.join(', ')}`;
    const { sent, tally } = await checkQueue(dir, log, context);
    expect(sent.size, context).toBeGreaterThan(50);
    expect(tally.completed, context).toBeGreaterThan(20);
    expect(tally.deadLettered, context).toBeGreaterThan(5);
    expect(tally.replayed, context).toBeGreaterThan(5);
    expect(tally.delayedSends, context).toBeGreaterThan(5);
    expect(tally.delayedRetries, context).toBeGreaterThan(5);
  }, 120_000);
});
