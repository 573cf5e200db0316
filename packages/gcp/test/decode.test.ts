import {
  bucket,
  type Decoded,
  definePipeline,
  type MessageEvent,
  type ObjectEvent,
  onHttp,
  onMessage,
  onObjectCreated,
  onObjectDeleted,
  onSchedule,
  queue,
  readBindings,
  type ScheduleEvent,
} from '@cloudport/core';
import { describe, expect, it } from 'vitest';
import { createGcpAdapter, generationOf } from '../src/index.js';
import { frameworkEvent, loadFixture } from './support/fixtures.js';

const uploads = bucket('uploads');
const rows = queue<{ file: string }>('rows');
const pipeline = definePipeline('decode', {
  created: { trigger: onObjectCreated(uploads), handler: () => {} },
  'created-csv': {
    trigger: onObjectCreated(uploads, { suffix: '.csv', prefix: '2026/' }),
    handler: () => {},
  },
  deleted: { trigger: onObjectDeleted(uploads), handler: () => {} },
  aggregate: { trigger: onMessage(rows), handler: () => {} },
  texts: { trigger: onMessage(queue('texts', { body: 'text' })), handler: () => {} },
  raw: { trigger: onMessage(queue('raw', { body: 'bytes' })), handler: () => {} },
  sweep: { trigger: onSchedule('15 minutes'), handler: () => {} },
  web: { trigger: onHttp('GET', '/'), handler: () => new Response() },
});
const adapter = createGcpAdapter({
  bindings: readBindings({
    CLOUDPORT_BUCKET_UPLOADS: 'acme-prod-uploads',
    CLOUDPORT_QUEUE_ROWS: 'projects/acme-prod/topics/csv-etl-rows',
    CLOUDPORT_QUEUE_TEXTS: 'csv-etl-rows',
    CLOUDPORT_QUEUE_RAW: 'rows-push',
    CLOUDPORT_SCHEDULE_SWEEP: 'projects/acme-prod/topics/csv-etl-sweep-schedule',
  }),
});

function decode(fn: string, event: unknown): Decoded[] {
  return adapter.decode(pipeline.functions.get(fn)!, { kind: 'cloudevent', event });
}

function only<T>(units: Decoded[]): T {
  expect(units).toHaveLength(1);
  const [unit] = units;
  if (!unit || !('event' in unit)) throw new Error(`not an event: ${JSON.stringify(unit)}`);

  return unit.event as T;
}

function errorOf(units: Decoded[]): string {
  const [unit] = units;
  if (!unit || !('error' in unit)) throw new Error('expected an INVALID_EVENT unit');
  expect(unit.error.code).toBe('INVALID_EVENT');
  expect(unit.error.provider).toBe('gcp');

  return unit.error.message;
}

describe('Cloud Storage events', () => {
  it('decodes a binary-mode finalize: key intact, size a number, logical bucket, stable id', () => {
    const event = frameworkEvent(loadFixture('storage-finalized-binary'));
    const decoded = only<ObjectEvent>(decode('created', event));

    expect(decoded).toMatchObject({
      type: 'object.created',
      id: '9181726354451627',
      bucket: 'uploads',
      key: '2026/q1/north region/orders ü+%20.csv',
      size: 48_213,
      etag: '1771061412482311',
      version: '1771061412482311',
      contentType: 'text/csv',
      time: '2026-02-14T09:30:12.482311Z',
    });
    expect(generationOf(decoded)).toBe(1_771_061_412_482_311);
    expect(decoded.raw).toEqual(event);
    expect(only<ObjectEvent>(decode('created', structuredClone(event))).id).toBe(decoded.id);
  });

  it('decodes a structured finalize whose size and generation are JSON numbers', () => {
    const event = frameworkEvent(loadFixture('storage-finalized-structured'));
    const data = event.data as { size: unknown; generation: unknown };
    expect([typeof data.size, typeof data.generation]).toEqual(['number', 'number']);

    const decoded = only<ObjectEvent>(decode('created', event));

    expect(decoded).toMatchObject({
      key: '日本/売上 2026.csv',
      size: 7,
      etag: '1772323204100000',
      version: '1772323204100000',
    });
    expect(generationOf(decoded)).toBe(1_772_323_204_100_000);
  });

  it.each([
    ['a generation', { version: '1772323204100000' }, 1_772_323_204_100_000],
    ['no version', {}, undefined],
    ['a generation past the safe integers', { version: '9007199254740993' }, undefined],
    ['a version that is no number', { version: 'W/"abc"' }, undefined],
  ])('generationOf reads %s', (_case, event, expected) => {
    expect(generationOf(event)).toBe(expected);
  });

  it('decodes a delete without size or ETag', () => {
    const decoded = only<ObjectEvent>(
      decode('deleted', frameworkEvent(loadFixture('storage-deleted'))),
    );

    expect(decoded).toMatchObject({
      type: 'object.deleted',
      key: 'tmp/a b.csv',
      version: '1771061999000001',
    });
    expect(decoded.size).toBeUndefined();
    expect(decoded.etag).toBeUndefined();
  });

  it.each([
    ['created', 'storage-metadata-updated', 'metadataUpdated'],
    ['created', 'storage-archived', 'archived'],
    ['created', 'storage-deleted', 'deleted'],
    ['deleted', 'storage-finalized-binary', 'finalized'],
  ])('refuses to give %s a %s event', (fn, fixture, type) => {
    expect(errorOf(decode(fn, frameworkEvent(loadFixture(fixture))))).toContain(type);
  });

  it('refuses an event for a bucket the trigger is not bound to', () => {
    const event = frameworkEvent(loadFixture('storage-finalized-binary'));
    (event.data as Record<string, unknown>).bucket = 'someone-elses-bucket';

    expect(errorOf(decode('created', event))).toContain('someone-elses-bucket');
  });

  it.each([
    ['a size that is not a number', { size: 'big' }],
    ['no object name', { name: undefined, subject: undefined }],
  ])('refuses data with %s', (_case, patch) => {
    const event = frameworkEvent(loadFixture('storage-finalized-binary'));
    event.data = { ...(event.data as object), ...patch };
    if ('subject' in patch) delete event.subject;

    expect(errorOf(decode('created', event))).toMatch(/size|names no object/);
  });

  it('skips keys outside the prefix and suffix filters without an error', () => {
    const event = frameworkEvent(loadFixture('storage-finalized-binary'));
    expect(decode('created-csv', event)).toHaveLength(1);
    (event.data as Record<string, unknown>).name = '2026/q1/readme.txt';
    expect(decode('created-csv', event)).toEqual([]);
  });
});

describe('Pub/Sub messages', () => {
  it('decodes a binary-mode messagePublished with attributes, ordering key and attempt', () => {
    const decoded = only<MessageEvent>(
      decode('aggregate', frameworkEvent(loadFixture('pubsub-published-binary'))),
    );

    expect(decoded).toMatchObject({
      type: 'message',
      id: '11873462019384',
      messageId: '11873462019384',
      queue: 'rows',
      body: { file: 'a.csv', batch: 3, rows: [] },
      attributes: { tenant: 'acme north', file: 'orders ü.csv' },
      orderingKey: 'a.csv',
      deliveryCount: 3,
      time: '2026-02-14T09:30:15.731Z',
    });
  });

  it("gives the handler its own attribute map, strings only, leaving the event's as sent", () => {
    const event = frameworkEvent(loadFixture('pubsub-published-binary'));
    const message = (event.data as { message: { attributes: Record<string, unknown> } }).message;
    message.attributes = { tenant: 'acme', shard: 7, 'cloudport-empty': '1' };
    const decoded = only<MessageEvent>(decode('aggregate', event));

    expect(decoded.attributes).toEqual({ tenant: 'acme', shard: '7' });
    expect(decoded.attributes).not.toBe(message.attributes);
    expect(message.attributes).toEqual({ tenant: 'acme', shard: 7, 'cloudport-empty': '1' });
  });

  it('tolerates duplicated snake_case fields and reads a 0 attempt as no count', () => {
    const decoded = only<MessageEvent>(
      decode('aggregate', frameworkEvent(loadFixture('pubsub-duplicated-fields'))),
    );

    expect(decoded).toMatchObject({ messageId: '11873462019999', attributes: {} });
    expect(decoded.deliveryCount).toBeUndefined();
    expect(decoded.orderingKey).toBeUndefined();
  });

  it('accepts a raw push body with empty data', () => {
    const decoded = only<MessageEvent>(
      decode('raw', frameworkEvent(loadFixture('pubsub-push-body'))),
    );

    expect(decoded).toMatchObject({ id: '4001', attributes: { kind: 'empty' }, deliveryCount: 2 });
    expect(decoded.body).toBeInstanceOf(Uint8Array);
    expect((decoded.body as Uint8Array).length).toBe(0);
  });

  it('decodes by the queue kind: text stays text, bytes stay bytes', () => {
    const event = frameworkEvent(loadFixture('pubsub-published-binary'));
    (event as Record<string, unknown>).source =
      '//pubsub.googleapis.com/projects/acme-prod/topics/csv-etl-rows';
    expect(only<MessageEvent>(decode('texts', event)).body).toBe(
      '{"file":"a.csv","batch":3,"rows":[]}',
    );
  });

  it.each([
    [
      'a body that is not JSON',
      { data: Buffer.from('not json').toString('base64') },
      'not valid JSON',
    ],
    ['data that is not base64', { data: '%%%' }, 'not base64'],
  ])('gives an INVALID_EVENT unit for %s', (_case, patch, message) => {
    const event = frameworkEvent(loadFixture('pubsub-published-binary'));
    const data = event.data as { message: object };
    data.message = { ...data.message, ...patch };

    expect(errorOf(decode('aggregate', event))).toContain(message);
  });

  it('refuses a message from another topic than the bound one', () => {
    const event = frameworkEvent(loadFixture('pubsub-published-binary'));
    event.source = '//pubsub.googleapis.com/projects/acme-prod/topics/other';

    expect(errorOf(decode('aggregate', event))).toContain('topic other');
  });

  it('refuses a storage event on a queue function', () => {
    expect(
      errorOf(decode('aggregate', frameworkEvent(loadFixture('storage-finalized-binary')))),
    ).toContain('messagePublished');
  });
});

describe('Cloud Scheduler firings', () => {
  it('takes the firing time from the publish time, to the minute, and a stable id', () => {
    const decoded = only<ScheduleEvent>(
      decode('sweep', frameworkEvent(loadFixture('scheduler-firing'))),
    );

    expect(decoded).toMatchObject({
      type: 'schedule',
      id: 'sweep@2026-02-14T09:45:00.000Z',
      schedule: '15 minutes',
      time: '2026-02-14T09:45:00.000Z',
      pastDue: true,
    });
  });

  it('refuses a firing meant for another function', () => {
    const event = frameworkEvent(loadFixture('scheduler-firing'));
    const data = event.data as { message: { attributes: Record<string, string> } };
    data.message.attributes['cloudport-function'] = 'other';

    expect(errorOf(decode('sweep', event))).toContain('for function other');
  });

  it('refuses a firing from another topic than the one bound to the schedule', () => {
    const event = frameworkEvent(loadFixture('scheduler-firing'));
    event.source = '//pubsub.googleapis.com/projects/acme-prod/topics/someone-elses-job';

    expect(errorOf(decode('sweep', event))).toContain('someone-elses-job');
  });

  it('takes a firing from any topic when no topic is bound to the schedule', () => {
    const unbound = createGcpAdapter({ bindings: readBindings({}) });
    const event = frameworkEvent(loadFixture('scheduler-firing'));
    event.source = '//pubsub.googleapis.com/projects/acme-prod/topics/another-job';
    const units = unbound.decode(pipeline.functions.get('sweep')!, { kind: 'cloudevent', event });

    expect(only<ScheduleEvent>(units).schedule).toBe('15 minutes');
  });
});

describe('input that is no CloudEvent', () => {
  it.each([
    ['nothing', undefined],
    ['a string', 'hello'],
    ['an array', [1, 2]],
    ['an object without CloudEvent attributes', { hello: 'world' }],
    ['a CloudEvent without an id', { type: 't', source: 's', specversion: '1.0' }],
  ])('throws INVALID_EVENT for %s', (_case, input) => {
    expect(() => decode('created', input)).toThrow(
      expect.objectContaining({ code: 'INVALID_EVENT' }),
    );
  });
});
