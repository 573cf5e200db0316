import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AWS_LIMITS, type ConsumableQueue, type ReceivedMessage } from '@cloudport/core';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { queueConformance } from '../../testing/src/queue-suite.js';
import { localCapabilities } from '../src/capabilities.js';
import { MinHeap } from '../src/queue/heap.js';
import { type LocalQueue, type LocalQueueOptions, openLocalQueue } from '../src/queue/index.js';

// Records the chunks each queue folder's batches were written in, for the suite's sentBatches.
const chunks = vi.hoisted(() => new Map<string, Array<{ entries: number; bytes: number }>>());
vi.mock('../src/queue/limits.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/queue/limits.js')>();
  const splitBatch: typeof real.splitBatch = (settings, messages) => {
    const split = real.splitBatch(settings, messages);
    const calls = chunks.get(settings.dir) ?? [];
    for (const chunk of split) {
      calls.push({ entries: chunk.length, bytes: chunk.reduce((sum, m) => sum + m.size, 0) });
    }
    chunks.set(settings.dir, calls);
    return split;
  };

  return { ...real, splitBatch };
});

const dirs: string[] = [];
const opened: LocalQueue<unknown>[] = [];
const KIB = 1024;

async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cloudport-queue-'));
  dirs.push(dir);
  return dir;
}

async function open<T = unknown>(options: Partial<LocalQueueOptions> = {}): Promise<LocalQueue<T>> {
  const queue = await openLocalQueue<T>({
    name: 'test-queue',
    body: 'json',
    ...options,
    dir: options.dir ?? (await freshDir()),
  });
  opened.push(queue as LocalQueue<unknown>);
  return queue;
}

function bodies(messages: ReadonlyArray<ReceivedMessage<unknown>>): unknown[] {
  return messages.map((message) => message.body);
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** A pid that belonged to a process which has exited. */
async function exitedPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  return child.pid as number;
}

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(opened.splice(0).map((queue) => queue.close()));
});
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

for (const profile of [undefined, 'aws'] as const) {
  queueConformance(
    { describe, it: it.concurrent },
    {
      name: profile ? `local with the ${profile} profile` : 'local',
      capabilities: localCapabilities(profile, { fifo: false }),
      // Not tracked in `opened`: the suite's tests run concurrently and clean up their own.
      create: async (settings) => openLocalQueue({ ...settings, dir: await freshDir(), profile }),
      cleanup: (queue: ConsumableQueue<unknown>) => (queue as LocalQueue<unknown>).close(),
      deadLetters: (queue) => (queue as LocalQueue<unknown>).deadLetters(),
      sentBatches: (queue) => chunks.get((queue as LocalQueue<unknown>).dir) ?? [],
      limits: profile === 'aws' ? AWS_LIMITS : undefined,
    },
  );
}

describe('local queue delivery', () => {
  it('orders its heaps by rank, also after items are filtered out', () => {
    const heap = new MinHeap<number>((n) => n);
    const values = Array.from({ length: 500 }, (_, n) => (n * 7919) % 1009);
    for (const value of values) heap.push(value);
    heap.retain((n) => n % 3 !== 0);
    const popped: number[] = [];
    for (let n = heap.pop(); n !== undefined; n = heap.pop()) popped.push(n);
    const expected = values.filter((n) => n % 3 !== 0).sort((a, b) => a - b);
    expect(popped).toEqual(expected);
  });

  it('delivers messages without an ordering key in send order', async () => {
    const queue = await open();
    await queue.sendBatch([1, 2, 3].map((n) => ({ body: n })));
    for (const n of [4, 5, 6]) await queue.send(n);
    expect(bodies(await queue.receive({ maxMessages: 10 }))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('holds later messages of a key while an earlier one is delayed or retried', async () => {
    const queue = await open();
    await queue.send('a1', { orderingKey: 'a', delaySeconds: 0.3 });
    await queue.send('a2', { orderingKey: 'a' });
    await queue.send('b1', { orderingKey: 'b' });
    expect(bodies(await queue.receive({ maxMessages: 10 }))).toEqual(['b1']);
    const [first] = await queue.receive({ maxMessages: 10, waitMs: 2000 });
    expect(first?.body).toBe('a1');
    expect(await queue.receive({ maxMessages: 10 })).toEqual([]);
    await queue.retry(first as ReceivedMessage<unknown>, { delaySeconds: 0.2 });
    expect(await queue.receive({ maxMessages: 10 })).toEqual([]);
    const [again] = await queue.receive({ waitMs: 2000 });
    expect([again?.body, again?.deliveryCount]).toEqual(['a1', 2]);
    await queue.complete(again as ReceivedMessage<unknown>);
    expect(bodies(await queue.receive({ maxMessages: 10 }))).toEqual(['a2']);
  });

  it('wakes a waiting receive on a send, without waiting out its wait', async () => {
    const queue = await open();
    const started = Date.now();
    const waiting = queue.receive({ waitMs: 5000 });
    await sleep(50);
    await queue.send('now');
    expect(bodies(await waiting)).toEqual(['now']);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('wakes a waiting receive when a delayed message becomes visible', async () => {
    const queue = await open();
    await queue.send('later', { delaySeconds: 0.3 });
    const started = Date.now();
    expect(bodies(await queue.receive({ waitMs: 5000 }))).toEqual(['later']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('rejects a waiting receive with the reason of its aborted signal', async () => {
    const queue = await open();
    const controller = new AbortController();
    const waiting = queue.receive({ waitMs: 5000, signal: controller.signal });
    controller.abort(new Error('stop consuming'));
    await expect(waiting).rejects.toThrow('stop consuming');
  });

  it('returns a duplicate send the original message id, also after a reopen', async () => {
    const dir = await freshDir();
    const queue = await open({ dir });
    const first = await queue.send('one', { deduplicationId: 'd-1' });
    expect(await queue.send('two', { deduplicationId: 'd-1' })).toEqual(first);
    await queue.close();
    const reopened = await open({ dir });
    expect(await reopened.send('three', { deduplicationId: 'd-1' })).toEqual(first);
    expect(reopened.counts().ready).toBe(1);
  });

  it('remembers a completed deduplication id for five minutes, then accepts it again', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const queue = await open();
    const first = await queue.send('one', { deduplicationId: 'd-2' });
    await queue.complete((await queue.receive())[0] as ReceivedMessage<unknown>);
    expect(await queue.send('two', { deduplicationId: 'd-2' })).toEqual(first);
    expect(queue.counts().ready).toBe(0);
    vi.setSystemTime(Date.now() + 5 * 60 * 1000 + 1);
    expect(await queue.send('three', { deduplicationId: 'd-2' })).not.toEqual(first);
    expect(queue.counts().ready).toBe(1);
  });

  it('counts ready, delayed, in-flight and dead messages from memory', async () => {
    const queue = await open();
    await queue.sendBatch([{ body: 1 }, { body: 2 }, { body: 3 }, { body: 4, delaySeconds: 60 }]);
    const [first, second] = await queue.receive({ maxMessages: 2 });
    await queue.deadLetter(second as ReceivedMessage<unknown>, 'bad');
    expect(first?.body).toBe(1);
    expect(queue.counts()).toEqual({ ready: 1, delayed: 1, inFlight: 1, dead: 1 });
  });

  it('lists waiting and in-flight messages with browse, without delivering them', async () => {
    const queue = await open();
    await queue.sendBatch([{ body: 'a' }, { body: 'b', delaySeconds: 60 }]);
    await queue.receive();
    const browsed = await queue.browse();
    expect(browsed.map((m) => [m.body, m.deliveryCount, m.receipt])).toEqual([
      ['a', 1, ''],
      ['b', 0, ''],
    ]);
    expect(queue.counts().inFlight).toBe(1);
  });

  it('gives time-ordered unique message ids', async () => {
    const queue = await open();
    const ids = (await queue.sendBatch(Array.from({ length: 50 }, (_, n) => ({ body: n })))).map(
      (result) => result.messageId,
    );
    expect(new Set(ids).size).toBe(50);
    expect([...ids].sort()).toEqual(ids);
  });
});

describe('local queue settlement', () => {
  it('refuses a stale receipt after redelivery, the newer delivery left in flight', async () => {
    const queue = await open({ visibilityTimeoutSeconds: 0.2 });
    await queue.send('x');
    const [first] = await queue.receive();
    await sleep(300);
    const [second] = await queue.receive();
    expect(second?.deliveryCount).toBe(2);
    const stale = first as ReceivedMessage<unknown>;
    await expect(queue.complete(stale)).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: expect.stringContaining('delivered again after its visibility timeout'),
    });
    await expect(queue.retry(stale)).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    expect(queue.counts()).toMatchObject({ inFlight: 1, ready: 0 });
    await queue.complete(second as ReceivedMessage<unknown>);
    await expect(queue.complete(second as ReceivedMessage<unknown>)).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: expect.stringContaining('already completed'),
    });
  });

  it('accepts a late complete after the visibility timeout if no delivery is newer', async () => {
    const queue = await open({ visibilityTimeoutSeconds: 0.1 });
    await queue.send('x');
    const [message] = await queue.receive();
    await sleep(200);
    expect(queue.counts().ready).toBe(1);
    await queue.complete(message as ReceivedMessage<unknown>);
    expect(queue.counts()).toMatchObject({ ready: 0, inFlight: 0 });
  });

  it('dead-letters a delivery timing out on its last attempt, naming the attempts', async () => {
    const queue = await open({ visibilityTimeoutSeconds: 0.1, maxAttempts: 2 });
    await queue.send('x');
    await queue.receive();
    await sleep(150);
    expect((await queue.receive())[0]?.deliveryCount).toBe(2);
    await sleep(150);
    expect(queue.counts()).toMatchObject({ ready: 0, inFlight: 0, dead: 1 });
    const [letter] = await queue.deadLetters();
    expect(letter?.reason).toMatch(
      /^failed 2 of 2 delivery attempts; the last one was not settled/,
    );
    expect(letter?.deliveryCount).toBe(2);
  });

  it('replays dead letters by id or all, with their delivery count reset', async () => {
    const queue = await open({ maxAttempts: 1 });
    await queue.sendBatch([{ body: 'a' }, { body: 'b' }, { body: 'c' }]);
    for (const message of await queue.receive({ maxMessages: 3 })) await queue.retry(message);
    const letters = await queue.deadLetters();
    expect(letters.map((letter) => letter.reason)).toEqual(
      Array(3).fill('failed 1 of 1 delivery attempts; the last one asked for a retry'),
    );
    expect(await queue.replay([letters[1]?.messageId as string, 'not-an-id'])).toBe(1);
    const [replayed] = await queue.receive({ maxMessages: 3 });
    expect([replayed?.body, replayed?.deliveryCount]).toEqual(['b', 1]);
    expect(await queue.replay()).toBe(2);
    expect(bodies(await queue.receive({ maxMessages: 3 }))).toEqual(['a', 'c']);
  });

  it('dead-letters a body that does not decode instead of blocking the queue', async () => {
    const dir = await freshDir();
    const writer = await open({ dir, body: 'text' });
    await writer.send('not json');
    await writer.close();
    const queue = await open({ dir, body: 'json' });
    expect(await queue.receive()).toEqual([]);
    const [letter] = await queue.deadLetters();
    expect(letter?.reason).toMatch(/not valid JSON/);
    expect(letter?.body).toEqual(new TextEncoder().encode('not json'));
  });
});

describe('local queue recovery and lock', () => {
  it('recovers waiting, delayed, in-flight and dead messages when reopened', async () => {
    const dir = await freshDir();
    const queue = await open({ dir });
    const attributes = { file: 'a.csv' };
    const a = await queue.send('a', { attributes, orderingKey: 'k', deduplicationId: 'd-a' });
    await queue.send('b', { delaySeconds: 3600 });
    await queue.sendBatch([{ body: 'c' }, { body: 'd' }]);
    const [inFlight, toBury] = await queue.receive({ maxMessages: 2 });
    await queue.deadLetter(toBury as ReceivedMessage<unknown>, 'row 3 is empty');
    await queue.close();

    const reopened = await open({ dir });
    expect(reopened.counts()).toEqual({ ready: 2, delayed: 1, inFlight: 0, dead: 1 });
    const [again, d] = await reopened.receive({ maxMessages: 10 });
    expect(again).toMatchObject({ messageId: a.messageId, body: 'a', deliveryCount: 2 });
    expect(again).toMatchObject({ attributes, orderingKey: 'k', deduplicationId: 'd-a' });
    expect(again?.sentAt).toEqual(inFlight?.sentAt);
    expect(d?.body).toBe('d');
    expect((await reopened.deadLetters()).map((l) => [l.body, l.reason])).toEqual([
      ['c', 'row 3 is empty'],
    ]);
    const later = await reopened.send('e');
    expect(later.messageId > a.messageId).toBe(true);
  });

  it('dead-letters messages found in flight on their last attempt when reopened', async () => {
    const dir = await freshDir();
    const queue = await open({ dir, maxAttempts: 1 });
    await queue.send('poison');
    await queue.receive();
    await queue.close();
    const reopened = await open({ dir, maxAttempts: 1 });
    expect(reopened.counts()).toMatchObject({ ready: 0, dead: 1 });
    const [letter] = await reopened.deadLetters();
    expect(letter?.reason).toBe(
      'failed 1 of 1 delivery attempts; the process stopped during the last one',
    );
  });

  it('holds a lock file with its pid while open and removes it on close', async () => {
    const dir = await freshDir();
    const queue = await open({ dir });
    expect((await readFile(join(dir, 'lock'), 'utf8')).trim()).toBe(String(process.pid));
    await expect(open({ dir })).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringContaining(`${dir} is already open in this process`),
    });
    await queue.close();
    expect(await readdir(dir)).not.toContain('lock');
  });

  it('refuses a folder whose lock names a running process', async () => {
    const dir = await freshDir();
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)']);
    try {
      await writeFile(join(dir, 'lock'), `${other.pid}\n`);
      await expect(open({ dir })).rejects.toMatchObject({
        code: 'INVALID_CONFIG',
        message: expect.stringContaining(`process ${other.pid}`),
      });
    } finally {
      other.kill();
    }
  });

  it('takes over a stale lock whose process has exited, with a warning', async () => {
    const dir = await freshDir();
    const stale = await exitedPid();
    await writeFile(join(dir, 'lock'), `${stale}\n`);
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (m: string) => warnings.push(m) };
    await open({ dir, logger: { ...logger, child: () => logger as never } });
    expect((await readFile(join(dir, 'lock'), 'utf8')).trim()).toBe(String(process.pid));
    expect(warnings).toEqual(['took over the stale lock of a queue folder']);
  });

  it('fails calls after close with PRECONDITION_FAILED; waiting receives end empty', async () => {
    const queue = await open();
    const waiting = queue.receive({ waitMs: 5000 });
    await queue.close();
    expect(await waiting).toEqual([]);
    await expect(queue.send('x')).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
  });
});

describe('local queue options and profiles', () => {
  it('refuses a relative folder and an unknown body kind with INVALID_CONFIG', async () => {
    await expect(open({ dir: 'queues/rows' })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
    await expect(open({ body: 'xml' as never })).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringContaining('"xml"'),
    });
  });

  it('accepts 300 KiB under aws and refuses it under azure, naming size and limit', async () => {
    const body = 'x'.repeat(300 * KIB);
    await (await open({ body: 'text', profile: 'aws' })).send(body);
    const azure = await open({ body: 'text', profile: 'azure' });
    await expect(azure.send(body)).rejects.toMatchObject({
      code: 'MESSAGE_TOO_LARGE',
      size: 300 * KIB,
      limit: 256 * KIB,
      message: expect.stringMatching(/307200 bytes, over the azure limit of 262144/),
    });
    expect(azure.counts().ready).toBe(0);
  });

  it('counts byte bodies as base64 under aws, where queue bodies travel as text', async () => {
    const queue = await open({ body: 'bytes', profile: 'aws' });
    await queue.send(new Uint8Array(700 * KIB));
    await expect(queue.send(new Uint8Array(800 * KIB))).rejects.toMatchObject({
      code: 'MESSAGE_TOO_LARGE',
    });
  });

  it('enforces delay and attribute limits of the profile', async () => {
    const gcp = await open({ profile: 'gcp' });
    await expect(gcp.send(1, { delaySeconds: 5 })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    const aws = await open({ profile: 'aws' });
    await expect(aws.send(1, { delaySeconds: 901 })).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringContaining('delaySeconds 901'),
    });
    const attributes = Object.fromEntries(Array.from({ length: 11 }, (_, n) => [`a${n}`, 'v']));
    await expect(aws.send(1, { attributes })).rejects.toMatchObject({
      code: 'MESSAGE_TOO_LARGE',
      size: 11,
      limit: 10,
    });
  });

  it('refuses queue settings outside the profile', async () => {
    await expect(open({ profile: 'azure', visibilityTimeoutSeconds: 301 })).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringContaining('visibilityTimeoutSeconds 301'),
    });
    await expect(open({ profile: 'gcp', maxAttempts: 3 })).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringContaining('maxAttempts 3'),
    });
  });
});
