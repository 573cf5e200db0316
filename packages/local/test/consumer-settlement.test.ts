import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  deadLetter,
  definePipeline,
  type Logger,
  onMessage,
  ProviderError,
  queue as queueRef,
  type ReceivedMessage,
} from '@cloudport/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LocalQueue, openLocalQueue } from '../src/queue/index.js';
import { BusyCounter, consume, SETTLE_ATTEMPTS } from '../src/runtime/consumer.js';
import type { InvocationRecord } from '../src/runtime/types.js';

type Settlement = 'complete' | 'retry' | 'deadLetter';

let root: string;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'cloudport-settlement-'));
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});

afterEach(async () => {
  process.off('unhandledRejection', onUnhandled);
  await rm(root, { recursive: true, force: true });
});

/** A logger that keeps its error lines. */
function recordingLogger(errors: string[]): Logger {
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: () => {},
    error: (message) => errors.push(message),
    child: () => logger,
  };

  return logger;
}

/**
 * The queue with one settlement that rejects, for the message tagged `victim`, the given
 * number of times, as a full disk would; every other call reaches the queue.
 */
function failingSettlement(
  queue: LocalQueue<{ tag: string }>,
  method: Settlement,
  failures: number,
): { queue: LocalQueue<unknown>; calls: string[] } {
  const calls: string[] = [];
  let left = failures;
  const wrapped = Object.create(queue) as LocalQueue<{ tag: string }>;
  const real = queue[method].bind(queue) as (
    message: ReceivedMessage<{ tag: string }>,
    extra?: never,
  ) => Promise<void>;
  wrapped[method] = (async (message: ReceivedMessage<{ tag: string }>, extra?: never) => {
    calls.push(`${method} ${message.body.tag} #${message.deliveryCount}`);
    if (message.body.tag === 'victim' && left > 0) {
      left -= 1;
      throw new ProviderError('Local queue could not write (ENOSPC).', { provider: 'local' });
    }
    return real(message, extra);
  }) as never;

  return { queue: wrapped as LocalQueue<unknown>, calls };
}

async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((done) => setTimeout(done, 10));
  }
}

/** The settlement the victim's first delivery takes, and the outcome its handler gives. */
const CASES: Array<{ method: Settlement; first: InvocationRecord['outcome'] }> = [
  { method: 'complete', first: 'processed' },
  { method: 'retry', first: 'retry' },
  { method: 'deadLetter', first: 'dead-letter' },
];

describe('local consumer when settling a delivery fails', () => {
  for (const { method, first } of CASES) {
    it(`keeps consuming after ${method} fails every attempt; the message comes back`, async () => {
      const ref = queueRef<{ tag: string }>('work', { maxAttempts: 5 });
      const handled: string[] = [];
      const pipeline = definePipeline('settle', {
        worker: {
          trigger: onMessage(ref, { batchSize: 1, concurrency: 1 }),
          handler: (event) => {
            const { tag } = event.body as { tag: string };
            handled.push(`${tag} #${event.deliveryCount}`);
            if (tag !== 'victim' || (event.deliveryCount ?? 0) > 1) return;
            if (first === 'retry') throw new Error('try again');
            if (first === 'dead-letter') deadLetter('refused once');
          },
        },
      });
      const fn = pipeline.functions.get('worker');
      if (!fn) throw new Error('no worker function');
      const queue = await openLocalQueue<{ tag: string }>({
        dir: join(root, 'queue'),
        name: 'work',
        body: 'json',
        maxAttempts: 5,
        visibilityTimeoutSeconds: 0.5,
        logger: false,
      });
      const failing = failingSettlement(queue, method, SETTLE_ATTEMPTS);
      const errors: string[] = [];
      const records: InvocationRecord[] = [];
      const stop = new AbortController();
      await queue.send({ tag: 'victim' });
      await queue.send({ tag: 'next-1' });
      await queue.send({ tag: 'next-2' });

      const running = consume(
        {
          fn,
          queue: failing.queue,
          input: (messages) => ({ kind: 'messages', queue: ref, messages }),
          batchSize: 1,
          concurrency: 1,
          maxAttempts: 5,
        },
        {
          pipeline,
          resolver: {
            store: () => expect.fail('no store is bound'),
            queue: () => expect.fail('no queue is bound'),
          },
          logger: recordingLogger(errors),
          faults: { pass: () => {} },
          onSettled: (_fn, record) => records.push(record),
        },
        new BusyCounter(),
        stop.signal,
      );
      // The victim's second delivery settles; the later messages were taken meanwhile.
      await until('the victim is delivered again and settled', () => records.length === 3);
      stop.abort();
      await running;

      // One worker: had the failed settlement stopped it, nothing after the victim would run.
      expect(handled[0]).toBe('victim #1');
      expect([...handled].sort()).toEqual(['next-1 #1', 'next-2 #1', 'victim #1', 'victim #2']);
      expect(records.map((record) => record.outcome)).toEqual([
        'processed',
        'processed',
        'processed',
      ]);
      const victimCalls = failing.calls.filter((call) => call.endsWith('victim #1'));
      expect(victimCalls).toEqual(
        Array.from({ length: SETTLE_ATTEMPTS }, () => `${method} victim #1`),
      );
      expect(errors.filter((line) => line.includes('trying again'))).toHaveLength(
        SETTLE_ATTEMPTS - 1,
      );
      expect(errors.filter((line) => line.includes('stays in flight'))).toHaveLength(1);
      expect(queue.counts()).toEqual({ ready: 0, delayed: 0, inFlight: 0, dead: 0 });
      expect(unhandled).toEqual([]);
      await queue.close();
    });
  }
});
