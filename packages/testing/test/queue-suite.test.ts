import { AWS_LIMITS, type CapabilityDeclaration } from '@cloudport/core';
import { describe, expect, it } from 'vitest';
import { queueConformance } from '../src/queue-suite.js';
import { collect, failureOf, named } from './support/collect.js';
import {
  MEMORY_QUEUE_CAPABILITIES,
  MemoryQueue,
  type QueueDefects,
} from './support/memory-queue.js';

/** The queue suite's cases against an in-memory queue with the given defects. */
function casesFor(
  defects: QueueDefects,
  options: { deadLetters?: boolean; capabilities?: CapabilityDeclaration } = {},
) {
  return collect((runner) =>
    queueConformance(runner, {
      name: 'memory',
      capabilities: options.capabilities ?? MEMORY_QUEUE_CAPABILITIES,
      limits: AWS_LIMITS,
      create: (settings) => new MemoryQueue({ ...settings, limits: AWS_LIMITS.queue, defects }),
      sentBatches: (queue) => (queue as MemoryQueue).calls,
      ...(options.deadLetters === false
        ? {}
        : { deadLetters: (queue) => (queue as MemoryQueue).deadLetters() }),
    }),
  );
}

const sound = casesFor({});

describe('queue suite against broken queues', () => {
  const splitting = [
    'a batch of 11 entries, one over the entry limit,',
    'a batch of 1048577 bytes, one over the byte limit,',
  ];
  for (const start of splitting) {
    it(`fails "${start}" for a queue that sends a batch in one call`, async () => {
      const name = named(sound, start);
      expect(await failureOf(sound, name)).toBeUndefined();
      const failure = await failureOf(casesFor({ noSplit: true }), name);
      expect(failure?.message).toMatch(/over the 10-entry, 1048576-byte batch limit/);
    });
  }

  it('fails the exact-limit batch cases for a queue that splits one entry early', async () => {
    const name = named(sound, 'a batch of exactly 10 entries');
    const limits = { ...AWS_LIMITS.queue, maxBatchEntries: 9 };
    const cases = collect((runner) =>
      queueConformance(runner, {
        name: 'memory',
        capabilities: MEMORY_QUEUE_CAPABILITIES,
        limits: AWS_LIMITS,
        create: (settings) => new MemoryQueue({ ...settings, limits }),
        sentBatches: (queue) => (queue as MemoryQueue).calls,
      }),
    );
    expect((await failureOf(cases, name))?.message).toMatch(/had room for the next entry/);
  });

  const dying = [
    'deadLetter sets the message aside for good with its reason',
    'a message retried on its last attempt is dead-lettered, not delivered again',
    'a message left unsettled past its last attempt is dead-lettered',
  ];
  for (const name of dying) {
    it(`fails "${name}" for a queue that deletes instead of dead-lettering`, async () => {
      expect(await failureOf(sound, name)).toBeUndefined();
      const failure = await failureOf(casesFor({ deleteDeadLetters: true }), name);
      expect(failure?.message).toMatch(/is not among the 0 dead letters/);
    }, 20_000);
  }

  it('fails the dead-letter cases when the queue declares them but cannot read them', async () => {
    const cases = casesFor({}, { deadLetters: false });
    const failure = await failureOf(cases, dying[0] as string);
    expect(failure?.message).toMatch(/pass deadLetters to the suite/);
  });

  const stale =
    'settling with the receipt of an earlier delivery is refused with PRECONDITION_FAILED';
  const latest = 'after a redelivery, settling with the latest receipt completes the message';

  it(`fails "${stale}" for a queue that accepts a stale receipt without effect`, async () => {
    expect(await failureOf(sound, stale)).toBeUndefined();
    const failure = await failureOf(casesFor({ acceptStale: true }), stale);
    expect(failure?.message).toMatch(/complete\(stale\)/);
  }, 20_000);

  it('checks only the latest receipt where stale settlement is declared unsupported', async () => {
    const features = {
      ...MEMORY_QUEUE_CAPABILITIES.features,
      'queue.stale-settle': { support: 'no' as const, note: 'accepted without effect' },
    };
    const capabilities = { ...MEMORY_QUEUE_CAPABILITIES, features };
    const cases = casesFor({ acceptStale: true }, { capabilities });
    expect(cases.has(stale)).toBe(false);
    expect(cases.has(latest)).toBe(true);
    expect(sound.has(latest)).toBe(false);
    expect(await failureOf(cases, latest)).toBeUndefined();
  }, 20_000);
});
