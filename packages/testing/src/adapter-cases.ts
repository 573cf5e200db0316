import assert from 'node:assert/strict';
import type { FeatureId, MessageEvent, ObjectEvent } from '@cloudport/core';
import type { ProbeResults, Seen } from './adapter-pipeline.js';
import type { AdapterHarness } from './adapter-suite.js';
import type { TestRunner } from './runner.js';

/** Wraps a case: a harness for a fresh conformance pipeline, closed afterwards. */
export type WithHarness = (
  fn: (state: { seen: Seen; probes: ProbeResults; harness: AdapterHarness }) => Promise<void>,
) => () => Promise<void>;

type Can = (feature: FeatureId) => boolean;

/** Object events: decoding, retry, dead-letter forwarding, retries running out, deletes. */
export function defineObjectCases(runner: TestRunner, can: Can, withHarness: WithHarness): void {
  const { it } = runner;
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
      const input = harness.objectInput({ type: 'created', bucket: 'conf-in', key: 'in/retry' });
      assert.deepEqual(harness.outcomes(input, await harness.run('created', input)), ['failed']);
    }),
  );

  it(
    'sets aside an object event whose retries run out, never dropping it',
    withHarness(async ({ harness }) => {
      assert.ok(
        harness.exhaustObjectRetries,
        'object triggers are declared: the harness needs exhaustObjectRetries, so that the ' +
          'suite can see where a failing event ends',
      );
      const key = 'in/retry-always';
      const ended = await harness.exhaustObjectRetries('created', {
        type: 'created',
        bucket: 'conf-in',
        key,
      });
      const { outcomes } = ended;
      assert.ok(outcomes.length >= 2, `${outcomes.length} deliveries: a failing event is retried`);
      assert.ok(
        outcomes.slice(0, -1).every((outcome) => outcome === 'failed'),
        `a delivery before the last was acknowledged: ${outcomes.join(', ')}`,
      );
      const letters = ended.deadLetters.filter((letter) => letter.key === key);
      if (letters.length > 0) {
        assert.equal(letters.length, 1, 'the event is set aside once');
        assert.ok((letters[0]?.reason ?? '').length > 0, 'the dead letter carries a reason');
        return;
      }
      assert.equal(outcomes.at(-1), 'failed', 'the last delivery was acknowledged: it was dropped');
      assert.ok(
        ended.platform,
        'the event is in no dead letter and no platform mechanism is named to take it',
      );
    }),
  );

  if (can('outcome.dead-letter')) {
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

  if (!can('trigger.object-deleted')) return;
  it(
    'decodes an object-deleted event without size or etag',
    withHarness(async ({ seen, harness }) => {
      const input = harness.objectInput({ type: 'deleted', bucket: 'conf-in', key: 'gone/a b' });
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

/** Queue messages: bodies of every kind, per-message outcomes, dead letters. */
export function defineQueueCases(runner: TestRunner, can: Can, withHarness: WithHarness): void {
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
      if (!can('outcome.dead-letter')) return;
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

/** Schedule firings: decoded with their time, and each outcome. */
export function defineScheduleCases(runner: TestRunner, can: Can, withHarness: WithHarness) {
  const { it } = runner;
  it(
    'decodes a schedule firing with its time and acknowledges it',
    withHarness(async ({ seen, harness }) => {
      const input = harness.scheduleInput('2026-03-01T02:00:00.000Z');
      assert.deepEqual(harness.outcomes(input, await harness.run('tick', input)), ['acknowledged']);
      const event = seen.get('tick')?.[0];
      assert.equal(event?.type, 'schedule');
      assert.equal(Date.parse(event?.time ?? ''), Date.parse('2026-03-01T02:00:00.000Z'));
    }),
  );

  it(
    'fails a schedule firing whose handler throws, so the platform retries it',
    withHarness(async ({ seen, harness }) => {
      const input = harness.scheduleInput('2026-03-01T03:00:00.000Z');
      assert.deepEqual(harness.outcomes(input, await harness.run('tick', input)), ['failed']);
      assert.equal(seen.get('tick')?.length, 1, 'the handler ran');
    }),
  );

  if (!can('outcome.dead-letter')) return;
  it(
    'forwards a dead-lettered schedule firing to the bound queue and acknowledges it',
    withHarness(async ({ harness }) => {
      const input = harness.scheduleInput('2026-03-01T04:00:00.000Z');
      assert.deepEqual(harness.outcomes(input, await harness.run('tick', input)), ['acknowledged']);
      const [record] = await harness.deadLetters('conf-dead');
      assert.equal(record?.function, 'tick');
      assert.match(record?.reason ?? '', /asked to dead-letter/);
    }),
  );
}

/** The HTTP round trip and malformed input of every event trigger. */
export function defineHttpAndMalformed(runner: TestRunner, can: Can, withHarness: WithHarness) {
  const { it } = runner;
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

  const kinds = [
    ['object', 'created', 'trigger.object-created'],
    ['queue', 'jobs', 'trigger.queue'],
    ['schedule', 'tick', 'trigger.schedule'],
  ] as const;
  for (const [kind, fn, feature] of kinds) {
    if (!can(feature)) continue;
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
        const invalid = can('outcome.dead-letter') ? await harness.deadLetters('conf-dead') : [];
        assert.equal(invalid.filter((r) => r.code === 'INVALID_EVENT').length, acknowledged);
        assert.equal(seen.get(fn)?.length ?? 0, 0);
      }),
    );
  }
}
