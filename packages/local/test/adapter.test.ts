import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type DeadLetterRecord,
  invoke,
  type Pipeline,
  type ReceivedMessage,
  type Settled,
  silentLogger,
} from '@cloudport/core';
import {
  createLocalAdapter,
  createLocalRuntime,
  LOCAL_CAPABILITIES,
  type LocalInput,
} from '@cloudport/local';
import { type AdapterHarness, adapterConformance, type PlatformOutcome } from '@cloudport/testing';
import { describe, it } from 'vitest';

async function localHarness(pipeline: Pipeline): Promise<AdapterHarness<LocalInput, Settled[]>> {
  const root = await mkdtemp(join(tmpdir(), 'cloudport-adapter-'));
  const runtime = await createLocalRuntime({ pipeline, root, logger: false });
  const adapter = createLocalAdapter(runtime.resolver);
  const queueRef = (name: string) => {
    const ref = pipeline.resources().queues.get(name);
    if (!ref) throw new Error(`no queue ${name}`);
    return ref;
  };
  const stored = (body: unknown): LocalInput => ({
    kind: 'events',
    messages: [delivery('bad-1', body)],
  });
  const run = (name: string, input: LocalInput) =>
    invoke({
      adapter,
      pipeline,
      fn: pipeline.functions.get(name)!,
      input,
      resolver: runtime.resolver,
      logger: silentLogger,
      invocationId: 'conformance',
    });

  return {
    objectInput: (fact) => ({
      kind: 'event',
      event: {
        type: `object.${fact.type}`,
        id: `object-${fact.type}-${fact.key}`,
        bucket: fact.bucket,
        key: fact.key,
        size: fact.size,
        etag: fact.etag,
        time: '2026-01-05T10:00:00.000Z',
        raw: fact,
      },
    }),
    messageInput: (queue, messages) => ({
      kind: 'messages',
      queue: queueRef(queue),
      messages: messages.map((m) => ({
        ...delivery(m.messageId, m.body),
        attributes: m.attributes ?? {},
      })),
    }),
    scheduleInput: (time) => ({
      kind: 'event',
      event: { type: 'schedule', id: `tick@${time}`, schedule: '0 2 * * *', time, raw: {} },
    }),
    malformedInputs: (kind) => [
      stored({ type: kind === 'object' ? 'object.created' : 'message' }),
      stored({ id: 'x', type: 'object.deleted', time: '2026-01-01T00:00:00Z', key: 'k' }),
      stored('not an event'),
    ],
    run: (name, input) => run(name, input).catch((error: Error) => error),
    outcomes: (input, output) => {
      if (output instanceof Error) return unitCount(input).map(() => 'failed' as const);
      return output.map(({ outcome }) =>
        outcome.kind === 'processed' || (outcome.kind === 'dead-letter' && outcome.forwarded)
          ? 'acknowledged'
          : 'failed',
      );
    },
    http: async (name, request) => {
      const [settled] = await run(name, { kind: 'http', id: 'req-1', request: () => request });
      return settled?.response ?? new Response(null, { status: 500 });
    },
    deadLetters: async (name) => {
      const dlq = await runtime.queue(queueRef(name));
      const received = await dlq.receive({ maxMessages: 100 });
      for (const message of received) await dlq.complete(message);
      return received.map((message) => message.body as DeadLetterRecord);
    },
    exhaustObjectRetries: async (name, fact) => {
      // The runtime's own path: the write fires the event, and draining retries it until the
      // event queue's attempts run out and sets it aside.
      await runtime.store(fact.bucket).put(fact.key, 'fails every time');
      const summary = await runtime.drain();
      const counts = summary.functions[name];
      const outcomes: PlatformOutcome[] = Array(counts?.retried ?? 0).fill('failed');
      for (let n = 0; n < (counts?.deadLettered ?? 0); n++) outcomes.push('acknowledged');
      const deadLetters = summary.deadLetters
        .filter((letter) => letter.function === name)
        .map((letter) => ({ key: fact.key, reason: letter.reason }));
      return { outcomes, deadLetters };
    },
    close: async () => {
      await runtime.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

function delivery(messageId: string, body: unknown): ReceivedMessage<unknown> {
  return {
    messageId,
    body,
    attributes: {},
    deliveryCount: 1,
    sentAt: new Date('2026-01-05T10:00:00.000Z'),
    receipt: `receipt-${messageId}`,
  };
}

function unitCount(input: LocalInput): unknown[] {
  return input.kind === 'messages' || input.kind === 'events' ? input.messages : [input];
}

adapterConformance(
  { describe, it },
  {
    name: 'local',
    capabilities: LOCAL_CAPABILITIES,
    createHarness: (pipeline) =>
      localHarness(pipeline) as Promise<AdapterHarness<unknown, unknown>>,
  },
);
