import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bucket,
  type DeadLetterRecord,
  deadLetter,
  definePipeline,
  onHttp,
  onMessage,
  onObjectCreated,
  onObjectDeleted,
  onSchedule,
  queue,
} from '@cloudport/core';
import { createLocalRuntime, type InvocationRecord, type LocalRuntime } from '@cloudport/local';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

let root: string;
let runtime: LocalRuntime | undefined;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'cloudport-runtime-'));
});

afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
  await rm(root, { recursive: true, force: true });
});

describe('local runtime: object events', () => {
  it('fires one created event per write, filtered by prefix and suffix', async () => {
    const seen: string[] = [];
    const input = bucket('inbox');
    const pipeline = definePipeline('objects', {
      csv: {
        trigger: onObjectCreated(input, { prefix: 'in/', suffix: '.csv' }),
        handler: (event) => {
          seen.push(`${event.key}:${event.size}`);
        },
      },
    });
    runtime = await createLocalRuntime({ pipeline, root, logger: false });
    const store = runtime.store('inbox');
    await store.put('in/a.csv', 'a,b\n');
    await store.put('in/b.txt', 'skip');
    await store.put('out/c.csv', 'skip');
    await store.copy('in/a.csv', 'in/copy.csv');
    const summary = await runtime.drain();

    expect(seen.sort()).toEqual(['in/a.csv:4', 'in/copy.csv:4']);
    expect(summary.functions.csv).toEqual({ events: 2, processed: 2, retried: 0, deadLettered: 0 });
  });

  it('fires deleted events without size', async () => {
    const seen: Array<number | undefined> = [];
    const input = bucket('inbox');
    const pipeline = definePipeline('objects', {
      gone: {
        trigger: onObjectDeleted(input),
        handler: (event) => {
          seen.push(event.size);
        },
      },
    });
    runtime = await createLocalRuntime({ pipeline, root, logger: false });
    await runtime.store('inbox').put('x', 'y');
    await runtime.store('inbox').delete('x');
    await runtime.drain();

    expect(seen).toEqual([undefined]);
  });

  it('dead-letters an object event whose handler keeps failing, with the last error', async () => {
    const pipeline = definePipeline('objects', {
      broken: {
        trigger: onObjectCreated(bucket('inbox')),
        handler: () => {
          throw new Error('cannot parse');
        },
      },
    });
    runtime = await createLocalRuntime({ pipeline, root, logger: false });
    await runtime.store('inbox').put('bad.csv', 'x');
    const summary = await runtime.drain();

    expect(summary.functions.broken).toMatchObject({ events: 3, retried: 2, deadLettered: 1 });
    expect(summary.deadLetters).toHaveLength(1);
    expect(summary.deadLetters[0]).toMatchObject({ function: 'broken' });
    expect(summary.deadLetters[0]?.reason).toMatch(
      /failed 3 of 3 attempts; last error: cannot parse/,
    );
  });

  it('queues the events of a write that landed before a crash, on the next start', async () => {
    const seen: string[] = [];
    const pipeline = definePipeline('objects', {
      csv: {
        trigger: onObjectCreated(bucket('inbox')),
        handler: (event) => {
          seen.push(event.key);
        },
      },
    });
    runtime = await createLocalRuntime({ pipeline, root, logger: false });
    const info = await runtime.store('inbox').put('landed.csv', 'data');
    await runtime.close();
    // What a crash between the write and the queueing leaves: the intent, not the event.
    const queued = join(root, 'events', 'csv');
    await rm(queued, { recursive: true, force: true });
    const event = { type: 'object.created', id: 'e-1', bucket: 'inbox', key: 'landed.csv' };
    const intent = (id: string, key: string, etag: string) => ({
      id,
      bucket: 'inbox',
      key,
      etag,
      deliveries: [
        { function: 'csv', event: { ...event, id, key, time: new Date().toISOString() } },
      ],
    });
    const lines = [intent('a', 'landed.csv', info.etag), intent('b', 'never.csv', '"0"')].map(
      (written) => `${JSON.stringify({ intent: written })}\n`,
    );
    // The last line was cut short by the crash: its write never returned.
    const torn = JSON.stringify({ intent: intent('c', 'landed.csv', info.etag) }).slice(0, 40);
    await appendFile(join(root, 'journal', 'intents.jsonl'), `${lines.join('')}${torn}`);

    runtime = await createLocalRuntime({ pipeline, root, logger: false });
    await runtime.drain();
    expect(seen).toEqual(['landed.csv']);

    // Queued intents are marked done, so a later start fires nothing again.
    await runtime.close();
    runtime = await createLocalRuntime({ pipeline, root, logger: false });
    await runtime.drain();
    expect(seen).toEqual(['landed.csv']);
  });
});

describe('local runtime: queues', () => {
  it('takes full batches while messages wait, running at most `concurrency` at once', async () => {
    const jobs = queue<number>('jobs');
    const batches = new Map<string, number>();
    let running = 0;
    let peak = 0;
    const pipeline = definePipeline('queues', {
      work: {
        trigger: onMessage(jobs, { batchSize: 3, concurrency: 2 }),
        handler: async (_message, context) => {
          running += 1;
          peak = Math.max(peak, running);
          batches.set(context.invocationId, (batches.get(context.invocationId) ?? 0) + 1);
          await new Promise((done) => setTimeout(done, 5));
          running -= 1;
        },
      },
    });
    runtime = await createLocalRuntime({ pipeline, root, logger: false });
    await (await runtime.queue(jobs)).sendBatch(
      Array.from({ length: 20 }, (_, n) => ({ body: n })),
    );
    const summary = await runtime.drain();

    expect(summary.functions.work?.processed).toBe(20);
    expect(peak).toBe(2);
    // All 20 wait before the first receive: six batches of 3, then the 2 left over.
    expect([...batches.values()].sort()).toEqual([2, 3, 3, 3, 3, 3, 3]);
  });

  it('retries with a rising delivery count, then dead-letters after the last attempt', async () => {
    const jobs = queue<string>('jobs', { maxAttempts: 3 });
    const counts: Array<number | undefined> = [];
    const pipeline = definePipeline('queues', {
      work: {
        trigger: onMessage(jobs),
        handler: (message) => {
          counts.push(message.deliveryCount);
          throw new Error(`refused ${message.body}`);
        },
      },
    });
    runtime = await createLocalRuntime({ pipeline, root, logger: false });
    await (await runtime.queue(jobs)).send('x');
    const summary = await runtime.drain();

    expect(counts).toEqual([1, 2, 3]);
    expect(summary.deadLetters).toEqual([
      expect.objectContaining({
        queue: 'jobs',
        function: 'work',
        reason: expect.stringMatching(/refused x/),
      }),
    ]);
  });

  it('forwards the dead-letter outcome to the bound queue and replays it', async () => {
    const jobs = queue<{ ok: boolean }>('jobs');
    const dead = queue<DeadLetterRecord>('dead-jobs');
    let allow = false;
    const pipeline = definePipeline('queues', {
      work: {
        trigger: onMessage(jobs),
        deadLetter: dead,
        handler: (message) => {
          if (!message.body.ok && !allow) deadLetter('body says not ok');
        },
      },
    });
    runtime = await createLocalRuntime({ pipeline, root, logger: false });
    await (await runtime.queue(jobs)).sendBatch([{ body: { ok: true } }, { body: { ok: false } }]);
    const first = await runtime.drain();

    expect(first.functions.work).toMatchObject({ processed: 1, deadLettered: 1 });
    const letters = await runtime.deadLetters();
    expect(letters).toEqual([
      expect.objectContaining({ queue: 'dead-jobs', function: 'work', reason: 'body says not ok' }),
    ]);

    allow = true;
    expect(await runtime.replayDeadLetters()).toBe(1);
    const second = await runtime.drain();
    expect(second.functions.work?.processed).toBe(1);
    expect(await runtime.deadLetters()).toEqual([]);
  });

  it('replays a dead-lettered message under its event id, with its own attributes', async () => {
    const jobs = queue<string>('jobs');
    const dead = queue<DeadLetterRecord>('dead-jobs');
    const seen: Array<{ id: string; messageId: string; attributes: Record<string, string> }> = [];
    const pipeline = definePipeline('queues', {
      work: {
        trigger: onMessage(jobs),
        deadLetter: dead,
        handler: ({ id, messageId, attributes }) => {
          seen.push({ id, messageId, attributes });
          deadLetter('still refused');
        },
      },
    });
    runtime = await createLocalRuntime({ pipeline, root, logger: false });
    await (await runtime.queue(jobs)).send('x', { attributes: { origin: 'test' } });
    await runtime.drain();
    const [first] = await runtime.deadLetters();

    expect(await runtime.replayDeadLetters()).toBe(1);
    await runtime.drain();
    expect(await runtime.replayDeadLetters()).toBe(1);
    await runtime.drain();

    expect(seen.map((event) => event.id)).toEqual([first?.eventId, first?.eventId, first?.eventId]);
    expect(new Set(seen.map((event) => event.messageId)).size).toBe(3);
    expect(seen.map((event) => event.attributes)).toEqual(Array(3).fill({ origin: 'test' }));
    expect(await runtime.deadLetters()).toEqual([
      expect.objectContaining({ eventId: first?.eventId, reason: 'still refused' }),
    ]);
  });

  it('lists and replays once a dead letter forwarded twice under one event id', async () => {
    const jobs = queue<string>('jobs');
    const dead = queue<DeadLetterRecord>('dead-jobs');
    const seen: string[] = [];
    let refuse = true;
    const pipeline = definePipeline('queues', {
      work: {
        trigger: onMessage(jobs),
        deadLetter: dead,
        handler: (message) => {
          seen.push(message.id);
          if (refuse) deadLetter(`refused ${message.body}`);
        },
      },
    });
    runtime = await createLocalRuntime({ pipeline, root, logger: false });
    await (await runtime.queue(jobs)).sendBatch([{ body: 'a' }, { body: 'b' }]);
    await runtime.drain();
    // What a crash between the forward and the acknowledgement leaves: a second copy.
    const records = await (await runtime.queue(dead)).browse();
    await (await runtime.queue(dead)).send({ ...records[0]!.body, reason: 'refused a again' });

    const letters = await runtime.deadLetters();
    expect(letters.map((letter) => [letter.eventId, letter.reason])).toEqual([
      [records[0]?.body.eventId, 'refused a again'],
      [records[1]?.body.eventId, 'refused b'],
    ]);
    refuse = false;
    seen.length = 0;
    expect(await runtime.replayDeadLetters([records[0]!.body.eventId])).toBe(1);
    await runtime.drain();

    expect(seen).toEqual([records[0]?.body.eventId]);
    expect((await runtime.deadLetters()).map((letter) => letter.reason)).toEqual(['refused b']);
  });

  it('runs one function on one event with invoke', async () => {
    const jobs = queue<{ n: number }>('jobs');
    const seen: number[] = [];
    const pipeline = definePipeline('queues', {
      work: { trigger: onMessage(jobs), handler: (m) => void seen.push(m.body.n) },
    });
    runtime = await createLocalRuntime({ pipeline, root, logger: false });
    const event = {
      type: 'message' as const,
      id: 'm-1',
      queue: 'jobs',
      messageId: 'm-1',
      body: { n: 7 },
      attributes: {},
      time: new Date().toISOString(),
      raw: null,
    };

    expect(await runtime.invoke('work', event)).toEqual({ kind: 'processed' });
    expect(seen).toEqual([7]);
    await expect(runtime.invoke('nope', event)).rejects.toThrow(/has no function "nope"/);
    const wrong = await runtime.invoke('work', { ...event, queue: 'other' });
    expect(wrong).toMatchObject({ kind: 'dead-letter', forwarded: false });
  });
});

describe('local runtime: dev', () => {
  it('serves HTTP functions by name, fires missed schedules, imports dropped files', async () => {
    const input = bucket('inbox');
    const ticks: boolean[] = [];
    const dropped: string[] = [];
    const pipeline = definePipeline('devmode', {
      hello: {
        trigger: onHttp('POST', '/greet'),
        handler: async (request) => new Response(`hello ${await request.text()}`, { status: 202 }),
      },
      nightly: {
        trigger: onSchedule('0 2 * * *'),
        handler: (event) => void ticks.push(event.pastDue ?? false),
      },
      files: {
        trigger: onObjectCreated(input),
        handler: (event) => void dropped.push(event.key),
      },
    });
    await mkdir(join(root, 'schedules'), { recursive: true });
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000).toISOString();
    await writeFile(join(root, 'schedules', 'nightly.json'), JSON.stringify({ last: twoDaysAgo }));
    runtime = await createLocalRuntime({ pipeline, root, logger: false });
    const records: InvocationRecord[] = [];
    const session = await runtime.dev({ port: 0, onInvocation: (r) => records.push(r) });
    try {
      const response = await fetch(`${session.url}/hello/greet`, { method: 'POST', body: 'you' });
      expect(response.status).toBe(202);
      expect(await response.text()).toBe('hello you');
      expect((await fetch(`${session.url}/hello/other`, { method: 'POST' })).status).toBe(404);

      await mkdir(join(root, 'buckets', 'inbox', 'drop'), { recursive: true });
      await writeFile(join(root, 'buckets', 'inbox', 'drop', 'new file.csv'), 'a,b\n');
      await until(() => dropped.length > 0 && ticks.length > 0);
      await new Promise((done) => setTimeout(done, 300));
    } finally {
      await session.stop();
    }

    expect(dropped).toEqual(['drop/new file.csv']);
    expect(ticks).toEqual([true]);
    expect(records.map((r) => `${r.function}:${r.outcome}`)).toContain('hello:processed');
    const head = await runtime.store('inbox').head('drop/new file.csv');
    expect(head.size).toBe(4);
  });
});

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((done) => setTimeout(done, 20));
  }
}
