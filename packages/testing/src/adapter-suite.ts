import assert from 'node:assert/strict';
import {
  bucket,
  type CapabilityDeclaration,
  type DeadLetterRecord,
  deadLetter,
  definePipeline,
  type FeatureId,
  type MessageEvent,
  type NeutralEvent,
  type ObjectEvent,
  onHttp,
  onMessage,
  onObjectCreated,
  onObjectDeleted,
  onSchedule,
  type Pipeline,
  queue,
  supports,
} from '@cloudport/core';
import type { TestRunner } from './runner.js';

/** Facts of an object event, from which a harness builds the platform's own event. */
export interface ObjectFact {
  type: 'created' | 'deleted';
  /** The bucket's logical name; the harness maps it to the physical one it bound. */
  bucket: string;
  key: string;
  size?: number;
  etag?: string;
}

/** Facts of one queue message, from which a harness builds the platform's delivery. */
export interface MessageFact {
  messageId: string;
  /** The body as the queue's declared kind types it. */
  body: unknown;
  attributes?: Record<string, string>;
  deliveryCount?: number;
}

/** How the platform treats a unit after the invocation: acknowledged, or failed and redelivered. */
export type PlatformOutcome = 'acknowledged' | 'failed';

/**
 * What an adapter provides to be tested: it builds platform inputs from facts, runs them
 * through the adapter's real entry point, and reads the platform result back.
 */
export interface AdapterHarness<Input = unknown, Output = unknown> {
  objectInput(fact: ObjectFact): Input;
  messageInput(queue: string, messages: MessageFact[]): Input;
  scheduleInput(time: string): Input;
  /** Inputs that are not valid events for a trigger of this kind. */
  malformedInputs(kind: 'object' | 'queue' | 'schedule'): Input[];
  /** Runs one invocation; a rejected invocation resolves to the error. */
  run(functionName: string, input: Input): Promise<Output | Error>;
  /** The platform's view of each unit of `input` after the invocation returned `output`. */
  outcomes(input: Input, output: Output | Error): PlatformOutcome[];
  http(functionName: string, request: Request): Promise<Response>;
  /** Records the bound dead-letter queue received. */
  deadLetters(queue: string): Promise<DeadLetterRecord[]>;
  close?(): Promise<void>;
}

/** Options of {@link adapterConformance}. */
export interface AdapterConformanceOptions {
  name: string;
  capabilities: CapabilityDeclaration;
  /** Binds the suite's pipeline on the platform (or its test servers) and returns a harness. */
  createHarness(pipeline: Pipeline): Promise<AdapterHarness<unknown, unknown>>;
}

/** The events the suite's handlers saw, by function name. */
type Seen = Map<string, NeutralEvent[]>;

/** Builds the pipeline the adapter suite runs: every trigger kind, every outcome. */
export function conformancePipeline(seen: Seen): Pipeline {
  const input = bucket('conf-in');
  const jobs = queue<{ action: 'ok' | 'retry' | 'dead'; n?: number }>('conf-jobs');
  const texts = queue('conf-text', { body: 'text' });
  const bytes = queue('conf-bytes', { body: 'bytes' });
  const dead = queue<DeadLetterRecord>('conf-dead');
  const record = (fn: string, event: NeutralEvent) => {
    seen.set(fn, [...(seen.get(fn) ?? []), event]);
  };
  const act = (fn: string, event: NeutralEvent, action: string) => {
    record(fn, event);
    if (action.includes('retry')) throw new Error(`asked to fail ${event.id}`);
    if (action.includes('dead')) deadLetter(`asked to dead-letter ${event.id}`);
  };

  return definePipeline('conformance', {
    created: {
      trigger: onObjectCreated(input, { prefix: 'in/' }),
      deadLetter: dead,
      handler: (event) => act('created', event, event.key),
    },
    deleted: {
      trigger: onObjectDeleted(input),
      handler: (event) => record('deleted', event),
    },
    jobs: {
      trigger: onMessage(jobs, { batchSize: 10, concurrency: 1 }),
      deadLetter: dead,
      handler: (message) => act('jobs', message, message.body.action),
    },
    texts: {
      trigger: onMessage(texts),
      handler: (message) => act('texts', message, message.body),
    },
    bytes: {
      trigger: onMessage(bytes),
      handler: (message) => record('bytes', message),
    },
    web: {
      trigger: onHttp('POST', '/echo'),
      handler: async (request) => {
        const body = new Uint8Array(await request.arrayBuffer()).reverse();
        const headers = new Headers({ 'content-type': 'application/octet-stream' });
        headers.set('x-conf-query', new URL(request.url).searchParams.get('q') ?? '');
        headers.append('set-cookie', 'a=1; Path=/');
        headers.append('set-cookie', 'b=2; Path=/');
        return new Response(body, { status: 201, headers });
      },
    },
    tick: {
      trigger: onSchedule('0 2 * * *'),
      handler: (event) => record('tick', event),
    },
  });
}

/**
 * The adapter conformance suite: decoding of every trigger, every outcome, invalid input,
 * an HTTP round trip, and the capability declaration held to account. Assertions use
 * `node:assert/strict`, so any runner works.
 *
 * @example
 * adapterConformance({ describe, it }, {
 *   name: 'my adapter', capabilities, createHarness: (pipeline) => myHarness(pipeline),
 * });
 */
export function adapterConformance(runner: TestRunner, options: AdapterConformanceOptions): void {
  const { describe, it } = runner;
  const can = (feature: FeatureId) => supports(options.capabilities, feature);
  const setup = async () => {
    const seen: Seen = new Map();
    const harness = await options.createHarness(conformancePipeline(seen));
    return { seen, harness };
  };
  const withHarness = (fn: (s: Awaited<ReturnType<typeof setup>>) => Promise<void>) => async () => {
    const state = await setup();
    try {
      await fn(state);
    } finally {
      await state.harness.close?.();
    }
  };

  describe(`${options.name}: adapter conformance`, () => {
    it('declares every feature', () => {
      for (const [feature, support] of Object.entries(options.capabilities.features)) {
        assert.ok(['yes', 'partial', 'no'].includes(support.support), feature);
        if (support.support !== 'yes') assert.ok(support.note, `${feature} needs a note`);
      }
    });

    if (can('trigger.object-created')) {
      it(
        'decodes an object-created event with logical bucket, key, size and a stable id',
        withHarness(async ({ seen, harness }) => {
          const key = 'in/ünï cødé+plus %25 🚀.csv';
          const input = harness.objectInput({ type: 'created', bucket: 'conf-in', key, size: 42 });
          const outcome = await harness.run('created', input);
          assert.deepEqual(harness.outcomes(input, outcome), ['acknowledged']);
          await harness.run('created', input);
          const [first, again] = seen.get('created') ?? [];
          assert.equal(first?.type, 'object.created');
          const event = first as ObjectEvent;
          assert.equal(event.bucket, 'conf-in');
          assert.equal(event.key, key);
          assert.equal(event.size, 42);
          assert.ok(event.raw !== undefined, 'raw is kept');
          assert.equal(again?.id, event.id, 'a redelivered event keeps its id');
        }),
      );

      it(
        'fails an object event whose handler throws, so the platform retries it',
        withHarness(async ({ harness }) => {
          const input = harness.objectInput({
            type: 'created',
            bucket: 'conf-in',
            key: 'in/retry',
          });
          assert.deepEqual(harness.outcomes(input, await harness.run('created', input)), [
            'failed',
          ]);
        }),
      );

      it(
        'forwards a dead-lettered object event to the bound queue with its reason',
        withHarness(async ({ harness }) => {
          const input = harness.objectInput({ type: 'created', bucket: 'conf-in', key: 'in/dead' });
          const output = await harness.run('created', input);
          assert.deepEqual(harness.outcomes(input, output), ['acknowledged']);
          const [record] = await harness.deadLetters('conf-dead');
          assert.match(record?.reason ?? '', /asked to dead-letter/);
          assert.equal(record?.function, 'created');
          assert.equal((record?.event as ObjectEvent | undefined)?.key, 'in/dead');
        }),
      );
    }

    if (can('trigger.object-deleted')) {
      it(
        'decodes an object-deleted event without size or etag',
        withHarness(async ({ seen, harness }) => {
          const input = harness.objectInput({
            type: 'deleted',
            bucket: 'conf-in',
            key: 'gone/a b',
          });
          assert.deepEqual(harness.outcomes(input, await harness.run('deleted', input)), [
            'acknowledged',
          ]);
          const event = seen.get('deleted')?.[0] as ObjectEvent;
          assert.equal(event.type, 'object.deleted');
          assert.equal(event.key, 'gone/a b');
          assert.equal(event.size, undefined);
        }),
      );
    }

    if (can('trigger.queue')) queueCases(runner, can, withHarness);

    if (can('trigger.schedule')) {
      it(
        'decodes a schedule firing with its time',
        withHarness(async ({ seen, harness }) => {
          const input = harness.scheduleInput('2026-03-01T02:00:00.000Z');
          assert.deepEqual(harness.outcomes(input, await harness.run('tick', input)), [
            'acknowledged',
          ]);
          const event = seen.get('tick')?.[0];
          assert.equal(event?.type, 'schedule');
          assert.equal(Date.parse(event?.time ?? ''), Date.parse('2026-03-01T02:00:00.000Z'));
        }),
      );
    }

    if (can('trigger.http')) {
      it(
        'round-trips HTTP: binary body, query, status, headers and several cookies',
        withHarness(async ({ harness }) => {
          const body = new Uint8Array([0, 1, 2, 250, 255]);
          const request = new Request('http://fn.test/echo?q=hello%20world', {
            method: 'POST',
            body,
            headers: { 'content-type': 'application/octet-stream' },
          });
          const response = await harness.http('web', request);
          assert.equal(response.status, 201);
          assert.equal(response.headers.get('x-conf-query'), 'hello world');
          assert.deepEqual(response.headers.getSetCookie(), ['a=1; Path=/', 'b=2; Path=/']);
          assert.deepEqual(new Uint8Array(await response.arrayBuffer()), body.slice().reverse());
        }),
      );
    }

    for (const kind of ['object', 'queue', 'schedule'] as const) {
      const fn = { object: 'created', queue: 'jobs', schedule: 'tick' }[kind];
      it(
        `rejects malformed ${kind} input without running the handler`,
        withHarness(async ({ seen, harness }) => {
          let acknowledged = 0;
          for (const input of harness.malformedInputs(kind)) {
            const output = await harness.run(fn, input);
            for (const outcome of harness.outcomes(input, output)) {
              if (outcome === 'acknowledged') acknowledged += 1;
            }
          }
          // Acknowledged only when set aside in the bound dead-letter queue as INVALID_EVENT.
          const invalid = kind === 'schedule' ? [] : await harness.deadLetters('conf-dead');
          assert.equal(invalid.filter((r) => r.code === 'INVALID_EVENT').length, acknowledged);
          assert.equal(seen.get(fn)?.length ?? 0, 0);
        }),
      );
    }
  });
}

function queueCases(
  runner: TestRunner,
  can: (feature: FeatureId) => boolean,
  withHarness: (
    fn: (s: { seen: Seen; harness: AdapterHarness }) => Promise<void>,
  ) => () => Promise<void>,
): void {
  const { it } = runner;
  it(
    'decodes json, text and bytes bodies with attributes and the delivery count',
    withHarness(async ({ seen, harness }) => {
      const jobs = harness.messageInput('conf-jobs', [
        { messageId: 'm-1', body: { action: 'ok', n: 1 }, attributes: { tenant: 'a b' } },
      ]);
      await harness.run('jobs', jobs);
      const texts = harness.messageInput('conf-text', [{ messageId: 't-1', body: 'ok 42' }]);
      await harness.run('texts', texts);
      const raw = new Uint8Array([0, 255, 10, 13, 128]);
      await harness.run(
        'bytes',
        harness.messageInput('conf-bytes', [{ messageId: 'b-1', body: raw }]),
      );
      const [job] = (seen.get('jobs') ?? []) as MessageEvent<{ n: number }>[];
      const [text] = (seen.get('texts') ?? []) as MessageEvent<string>[];
      const [bytes] = (seen.get('bytes') ?? []) as MessageEvent<Uint8Array>[];
      assert.ok(job && text && bytes, 'every handler ran');
      assert.equal(job.messageId, 'm-1');
      assert.equal(job.id, 'm-1');
      assert.equal(job.queue, 'conf-jobs');
      assert.deepEqual(job.body, { action: 'ok', n: 1 });
      assert.equal(job.attributes.tenant, 'a b');
      assert.equal(text.body, 'ok 42');
      assert.deepEqual(new Uint8Array(bytes.body), raw);
    }),
  );

  it(
    'settles each message of a batch by its own outcome',
    withHarness(async ({ harness }) => {
      const input = harness.messageInput('conf-jobs', [
        { messageId: 'ok-1', body: { action: 'ok' } },
        { messageId: 'retry-1', body: { action: 'retry' } },
        { messageId: 'dead-1', body: { action: 'dead' } },
        { messageId: 'ok-2', body: { action: 'ok' } },
      ]);
      const outcomes = harness.outcomes(input, await harness.run('jobs', input));
      if (can('outcome.per-message')) {
        assert.deepEqual(outcomes, ['acknowledged', 'failed', 'acknowledged', 'acknowledged']);
      } else {
        assert.ok(outcomes.includes('failed'), 'a failed message is never acknowledged');
      }
      const records = await harness.deadLetters('conf-dead');
      assert.deepEqual(
        records.map((record) => record.eventId),
        ['dead-1'],
      );
      assert.match(records[0]?.reason ?? '', /asked to dead-letter dead-1/);
    }),
  );

  it(
    'fails a dead-lettered message when no dead-letter queue is bound',
    withHarness(async ({ harness }) => {
      const input = harness.messageInput('conf-text', [{ messageId: 't-dead', body: 'dead' }]);
      assert.deepEqual(harness.outcomes(input, await harness.run('texts', input)), ['failed']);
    }),
  );
}
