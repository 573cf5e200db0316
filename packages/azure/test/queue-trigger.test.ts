import './helpers/functions-host.js';
import { readFileSync } from 'node:fs';
import {
  type DeadLetterRecord,
  definePipeline,
  type MessageEvent,
  type MessageQueue,
  onMessage,
  type QueueRef,
  queue,
  type ResourceResolver,
} from '@cloudport/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { registerFunctions } from '../src/index.js';
import { invokeFunction, type TypedData, triggerOf } from './helpers/functions-host.js';
import { serviceBusInvocation } from './helpers/host-data.js';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as {
    body?: TypedData;
    bodies?: string[];
    triggerMetadata: Record<string, TypedData>;
  };

const jobs = queue<{ n: number } | number>('jobs');
const notes = queue('notes', { body: 'text' });
const blobs = queue('blobs', { body: 'bytes' });
const dead = queue<DeadLetterRecord>('dead');
let seen: MessageEvent<unknown>[] = [];
let sent: unknown[] = [];

const act = (message: MessageEvent<unknown>) => {
  seen.push(message);
  const body = message.body as { n?: number } | string;
  if (typeof body === 'object' && body?.n === 2) throw new Error('asked to fail');
};
const pipeline = definePipeline('queues', {
  'take-jobs': { trigger: onMessage(jobs), handler: act, deadLetter: dead },
  'take-notes': { trigger: onMessage(notes), handler: act },
  'take-blobs': { trigger: onMessage(blobs), handler: act },
  'take-batch': { trigger: onMessage(queue<{ n: number }>('batch')), handler: act },
});
const env = {
  CLOUDPORT_SERVICEBUS:
    'Endpoint=sb://unused.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=v',
  CLOUDPORT_QUEUE_JOBS: 'prod-jobs',
  CLOUDPORT_QUEUE_NOTES: 'prod-notes',
  CLOUDPORT_QUEUE_BLOBS: 'prod-blobs',
  CLOUDPORT_QUEUE_BATCH: 'prod-batch',
  CLOUDPORT_QUEUE_DEAD: 'prod-dead',
};
// Dead letters land in memory here; the adapter suite sends them to the test broker.
const resolver: ResourceResolver = {
  store: () => {
    throw new Error('no stores in this test');
  },
  queue: <T>(ref: QueueRef<T>) =>
    ({
      queue: ref.name,
      body: ref.body,
      send: async (body: T) => {
        sent.push(body);
        return { messageId: `dl-${sent.length}` };
      },
      sendBatch: async () => [],
    }) as MessageQueue<T>,
};

beforeEach(() => {
  seen = [];
  sent = [];
});

registerFunctions(pipeline, {
  env,
  resolver,
  functions: { 'take-batch': { cardinality: 'many' } },
});

describe('the Service Bus queue trigger', () => {
  it('registers one message per invocation, as raw bytes, on the bound queue', () => {
    expect(triggerOf('take-jobs')).toMatchObject({
      type: 'serviceBusTrigger',
      connection: 'CLOUDPORT_SERVICEBUS',
      queueName: 'prod-jobs',
      cardinality: 'one',
      dataType: 'binary',
    });
    expect(triggerOf('take-batch')).toMatchObject({ cardinality: 'many', queueName: 'prod-batch' });
  });

  it('decodes the raw bytes by the queue kind: "42" stays text on a text queue', async () => {
    await invokeFunction(
      'take-notes',
      serviceBusInvocation({ messageId: 'n-1', body: '42', kind: 'text' }),
    );
    await invokeFunction(
      'take-jobs',
      serviceBusInvocation({ messageId: 'j-1', body: 42, kind: 'json' }),
    );
    await invokeFunction('take-blobs', {
      ...serviceBusInvocation({
        messageId: 'b-1',
        body: new Uint8Array([0, 255, 34]),
        kind: 'bytes',
      }),
    });
    const [text, json, bytes] = seen.map((m) => m.body);
    expect([text, json]).toEqual(['42', 42]);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect([...(bytes as Uint8Array)]).toEqual([0, 255, 34]);
  });

  it('maps the metadata the host sends: id, count, time, session and properties', async () => {
    const { triggerMetadata } = fixture('service-bus-message.json');
    const result = await invokeFunction('take-jobs', {
      data: { bytes: Buffer.from('{"n":7}') },
      triggerMetadata,
    });
    expect(result.ok).toBe(true);
    expect(seen[0]).toMatchObject({
      type: 'message',
      queue: 'jobs',
      // The library parsed "1234" into a number; the id is read back as text.
      id: '1234',
      messageId: '1234',
      body: { n: 7 },
      deliveryCount: 2,
      orderingKey: 'customer-17',
      time: '2026-03-04T09:16:10.511Z',
      // Names are camel-cased by the library ("Region" arrives as "region"); values become text;
      // the host's and cloudport's own properties are left out.
      attributes: { tenant: 'north', region: 'eu', attempt: '3' },
    });
  });

  it('refuses a message without enqueuedTimeUtc as INVALID_EVENT naming it', async () => {
    const { triggerMetadata } = fixture('service-bus-message.json');
    const { EnqueuedTimeUtc: _time, ...withoutTime } = triggerMetadata;
    const data = { bytes: Buffer.from('{"n":7}') };
    const forwarded = await invokeFunction('take-jobs', { data, triggerMetadata: withoutTime });
    expect(forwarded.ok).toBe(true);
    expect(sent[0]).toMatchObject({ code: 'INVALID_EVENT', eventId: '1234' });
    expect(JSON.stringify(sent[0])).toMatch(/no readable enqueuedTimeUtc/);
    const unreadable = { ...triggerMetadata, EnqueuedTimeUtc: { string: 'soon' } };
    const failed = await invokeFunction('take-notes', { data, triggerMetadata: unreadable });
    expect(failed.ok ? undefined : failed.error).toMatchObject({
      code: 'INVALID_EVENT',
      message: expect.stringMatching(/no readable enqueuedTimeUtc .*"soon"/),
    });
    expect(seen).toEqual([]);
  });

  it('rebuilds a body the host JSON-coerced, when bytes were not asked for', async () => {
    const { body, triggerMetadata } = fixture('service-bus-message.json');
    await invokeFunction('take-jobs', { data: body, triggerMetadata });
    await invokeFunction('take-notes', { data: body, triggerMetadata });
    await invokeFunction('take-notes', { data: { string: 'plain words' }, triggerMetadata });
    expect(seen.map((m) => m.body)).toEqual([42, '42', 'plain words']);
  });

  it('forwards an undecodable body to the bound dead-letter queue and completes', async () => {
    const invocation = serviceBusInvocation({ messageId: 'bad', body: 'x', kind: 'text' });
    const result = await invokeFunction('take-jobs', {
      ...invocation,
      data: { bytes: Buffer.from('{oops') },
    });
    expect(result.ok).toBe(true);
    expect(seen).toEqual([]);
    expect(sent[0]).toMatchObject({ code: 'INVALID_EVENT', eventId: 'bad', function: 'take-jobs' });
  });

  it('abandons (throws) when the handler fails, so Service Bus redelivers', async () => {
    const result = await invokeFunction(
      'take-jobs',
      serviceBusInvocation({ messageId: 'j-2', body: { n: 2 }, kind: 'json' }),
    );
    expect(result.ok).toBe(false);
    expect(result.ok ? undefined : result.error.message).toBe('asked to fail');
  });

  it('abandons a message to dead-letter when no dead-letter queue is bound', async () => {
    const result = await invokeFunction('take-notes', {
      ...serviceBusInvocation({ messageId: 'n-2', body: 'x', kind: 'text' }),
      data: { bytes: Buffer.from([0xff, 0xfe]) },
    });
    expect(result.ok).toBe(false);
    expect(result.ok ? undefined : result.error).toMatchObject({ code: 'INVALID_EVENT' });
  });

  it("runs every message of a 'many' batch and fails the whole batch when one fails", async () => {
    const { bodies = [], triggerMetadata } = fixture('service-bus-batch.json');
    const data = { collectionBytes: { bytes: bodies.map((body) => Buffer.from(body)) } };
    const result = await invokeFunction('take-batch', { data, triggerMetadata });
    expect(seen.map((m) => [m.messageId, m.deliveryCount, m.attributes])).toEqual([
      ['m-1', 1, { tenant: 'north' }],
      ['m-2', 1, {}],
      ['m-3', 4, { tenant: 'south' }],
    ]);
    expect(seen[2]?.time).toBe('2026-03-04T09:16:11.002Z');
    expect(result.ok).toBe(false);
    expect(result.ok ? undefined : result.error).toBeInstanceOf(AggregateError);
  });
});
