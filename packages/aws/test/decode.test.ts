import { createAwsAdapter, decodeS3Key, SCHEDULER_INPUT } from '@cloudport/aws';
import {
  type Decoded,
  isCloudportError,
  type MessageEvent,
  type ObjectEvent,
  readBindings,
  type ScheduleEvent,
} from '@cloudport/core';
import { describe, expect, it } from 'vitest';
import {
  FIXTURE_ENV,
  fixture,
  fixturePipeline,
  type S3Rec,
  type SqsRec,
} from './support/fixtures.js';

const pipeline = fixturePipeline();
const adapter = createAwsAdapter({ pipeline, bindings: readBindings(FIXTURE_ENV) });
const decode = (fn: string, input: unknown) => adapter.decode(pipeline.functions.get(fn)!, input);
const eventOf = <T>(unit: Decoded | undefined) => {
  if (!unit || !('event' in unit)) throw new Error(`not an event unit: ${JSON.stringify(unit)}`);
  return unit.event as T;
};
const errorOf = (unit: Decoded | undefined) => {
  if (!unit || !('error' in unit)) throw new Error(`not an error unit: ${JSON.stringify(unit)}`);
  return unit.error;
};
type Records<T> = { Records: T[] };

describe('S3 event notifications become object events', () => {
  const cases = [
    {
      fixture: 's3-put-form-encoded',
      fn: 'created',
      expected: {
        type: 'object.created',
        bucket: 'uploads',
        key: 'incoming/2026 Q1/order+sheet über.csv',
        size: 1843,
        etag: '"5f3c2a9e0d1b4c7a8e6f2d3b1a0c9e8d"',
        version: undefined,
        time: '2026-02-14T09:31:07.412Z',
      },
    },
    {
      fixture: 's3-delete',
      fn: 'forget',
      expected: {
        type: 'object.deleted',
        bucket: 'archive',
        key: '2025/old report(1).csv',
        size: undefined,
        etag: undefined,
      },
    },
    {
      fixture: 's3-multipart-2-2',
      fn: 'created',
      expected: {
        key: 'incoming/big/orders-2025.csv',
        size: 5_368_709_120,
        etag: '"9b2cf535f27731c974343645a3985328-640"',
        version: '3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY',
      },
    },
    {
      fixture: 's3-lifecycle-delete-2-3',
      fn: 'forget',
      expected: { type: 'object.deleted', key: '2024/expired.csv', size: undefined },
    },
    {
      fixture: 's3-lifecycle-delete-marker-2-3',
      fn: 'forget',
      expected: {
        type: 'object.deleted',
        bucket: 'archive',
        key: '2024/Q3 summary.csv',
        version: 'Uq2wN1bExampleDeleteMarker7',
        time: '2026-04-02T04:20:31.000Z',
      },
    },
    {
      fixture: 's3-delete-marker',
      fn: 'forget',
      expected: {
        type: 'object.deleted',
        bucket: 'archive',
        key: '2026/03/north & south.csv',
        size: undefined,
        etag: undefined,
        version: 'pQ7mExampleDeleteMarkerVersion3x',
      },
    },
    {
      fixture: 's3-copy-2-6',
      fn: 'created',
      expected: { type: 'object.created', key: 'incoming/東京/🚀 launch 100%.csv', size: 0 },
    },
  ];

  it.each(cases)('$fixture decodes to the logical bucket and the decoded key', (c) => {
    const input = fixture<Records<unknown>>(c.fixture);
    const [unit, ...rest] = decode(c.fn, input);
    const event = eventOf<ObjectEvent>(unit);
    expect(rest).toEqual([]);
    expect(event).toMatchObject(c.expected);
    expect(event.raw).toBe(input.Records[0]);
    expect(event.id).toMatch(
      /^s3:acme-csv-etl-[a-z]+:(ObjectCreated|ObjectRemoved|LifecycleExpiration):/,
    );
    expect(event.id).toContain(`:${(input.Records[0] as S3Rec).eventName}:`);
    expect(unit?.id).toBe(event.id);
  });

  it('keeps the id when the same change is delivered again, and only then', () => {
    const id = (change: (record: S3Rec) => void = () => {}) => {
      const input = fixture<Records<S3Rec>>('s3-put-form-encoded');
      change(input.Records[0] as S3Rec);
      return eventOf<ObjectEvent>(decode('created', input)[0]).id;
    };
    const original = id();
    expect(id()).toBe(original);
    expect(id((r) => (r.responseElements['x-amz-request-id'] = 'OTHER'))).toBe(original);
    expect(id((r) => (r.s3.object.sequencer = '0067AF1E2B3C4D5E70'))).not.toBe(original);
    expect(id((r) => (r.s3.object.key = 'incoming/other.csv'))).not.toBe(original);
    expect(id((r) => (r.eventName = 'ObjectCreated:Copy'))).not.toBe(original);
  });

  it.each([
    [{}, 's3:acme-csv-etl-uploads:ObjectCreated:Put:0067AF1E2B3C4D5E6F::'],
    [{ versionId: 'v7' }, 's3:acme-csv-etl-uploads:ObjectCreated:Put:0067AF1E2B3C4D5E6F:v7:'],
    [{ versionId: null }, 's3:acme-csv-etl-uploads:ObjectCreated:Put:0067AF1E2B3C4D5E6F::'],
    [{ sequencer: '' }, 's3:acme-csv-etl-uploads:ObjectCreated:Put:2026-02-14T09:31:07.412Z::'],
  ])(
    'builds the id of a record with %j from bucket, name, change, version and key',
    (change, id) => {
      const input = fixture<Records<S3Rec>>('s3-put-form-encoded');
      const record = input.Records[0] as S3Rec;
      Object.assign(record.s3.object, change);
      expect(eventOf<ObjectEvent>(decode('created', input)[0]).id).toBe(id + record.s3.object.key);
    },
  );

  it('decodes each record of a multi-record event on its own', () => {
    const units = decode('created', fixture('s3-multiple-records'));
    expect(units).toHaveLength(3);
    expect(eventOf<ObjectEvent>(units[0]).key).toBe('incoming/a.csv');
    expect(errorOf(units[1]).message).toMatch(/bucket someone-elses-bucket.*not bound to uploads/);
    expect(eventOf<ObjectEvent>(units[2]).key).toBe('incoming/c d.csv');
  });

  const mismatches: Array<[string, string, (r: S3Rec) => void, RegExp]> = [
    [
      'a delete for a created function',
      'created',
      (r) => (r.eventName = 'ObjectRemoved:Delete'),
      /is ObjectRemoved:Delete, but the function fires on created/,
    ],
    ['an unbound bucket', 'created', (r) => (r.s3.bucket.name = 'elsewhere'), /bucket elsewhere/],
    [
      'a key outside the prefix',
      'created',
      (r) => (r.s3.object.key = 'other/x.csv'),
      /outside the trigger's prefix/,
    ],
    [
      'eventVersion 3.0',
      'created',
      (r) => (r.eventVersion = '3.0'),
      /eventVersion "3.0", not a 2.x/,
    ],
    [
      'a broken percent escape',
      'created',
      (r) => (r.s3.object.key = 'incoming/%E0%A4%A'),
      /not valid form encoding/,
    ],
    ['a missing key', 'created', (r) => delete r.s3.object.key, /has no s3.object.key/],
    ['a negative size', 'created', (r) => (r.s3.object.size = -1), /has size -1/],
    [
      'another event source',
      'created',
      (r) => (r.eventSource = 'aws:sqs'),
      /eventSource "aws:sqs"/,
    ],
    [
      'an unknown event name',
      'created',
      (r) => (r.eventName = 'ObjectRestore:Post'),
      /eventName "ObjectRestore:Post"/,
    ],
  ];

  // Lifecycle transitions and the other S3 event types change no object's data or existence.
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-event-types-and-destinations.html
  const foreignNames = [
    'LifecycleTransition',
    'IntelligentTiering',
    'ObjectRestore:Post',
    'ObjectRestore:Completed',
    'ObjectRestore:Delete',
    'Replication:OperationFailedReplication',
    'Replication:OperationReplicatedAfterThreshold',
    'ObjectTagging:Put',
    'ObjectAcl:Put',
    'ReducedRedundancyLostObject',
    'LifecycleExpiration:Transition',
  ];
  it.each(foreignNames)('refuses %s for a deleted trigger, naming what it takes', (name) => {
    const input = fixture<Records<S3Rec>>('s3-lifecycle-delete-2-3');
    (input.Records[0] as S3Rec).eventName = name;
    const error = errorOf(decode('forget', input)[0]);
    expect(isCloudportError(error, 'INVALID_EVENT')).toBe(true);
    expect(error.message).toContain(`eventName "${name}"`);
    expect(error.message).toMatch(/deleted trigger takes ObjectRemoved:\* and LifecycleExpiration/);
  });

  it.each(['LifecycleExpiration:Delete', 'LifecycleExpiration:DeleteMarkerCreated'])(
    'refuses %s for a created trigger',
    (name) => {
      const input = fixture<Records<S3Rec>>('s3-put-form-encoded');
      (input.Records[0] as S3Rec).eventName = name;
      const error = errorOf(decode('created', input)[0]);
      expect(error.message).toMatch(new RegExp(`is ${name}, but .* created objects`));
    },
  );

  it.each(mismatches)('turns %s into an INVALID_EVENT unit', (_name, fn, change, message) => {
    const input = fixture<Records<S3Rec>>('s3-put-form-encoded');
    change(input.Records[0] as S3Rec);
    const error = errorOf(decode(fn, input)[0]);
    expect(isCloudportError(error, 'INVALID_EVENT')).toBe(true);
    expect(error.provider).toBe('aws');
    expect(error.message).toMatch(message);
  });

  it.each([
    ['5f3c2a9e', '"5f3c2a9e"'],
    ['"5f3c2a9e"', '"5f3c2a9e"'],
    ['"5f3c2a9e', '"5f3c2a9e"'],
    ['5f3c2a9e"', '"5f3c2a9e"'],
    ['"', '""'],
    ['', undefined],
  ])('quotes the eTag %j as %j', (eTag, etag) => {
    const input = fixture<Records<S3Rec>>('s3-put-form-encoded');
    (input.Records[0] as S3Rec).s3.object = { ...(input.Records[0] as S3Rec).s3.object, eTag };
    expect(eventOf<ObjectEvent>(decode('created', input)[0]).etag).toBe(etag);
  });

  it.each([
    ['2.1', true],
    ['2.10', true],
    ['2.', false],
    ['2.x', false],
    ['2.1 ', false],
    ['12.1', false],
    [undefined, false],
  ])('takes eventVersion %j as a 2.x version: %s', (eventVersion, valid) => {
    const input = fixture<Records<S3Rec>>('s3-put-form-encoded');
    (input.Records[0] as S3Rec).eventVersion = eventVersion;
    expect('event' in (decode('created', input)[0] as Decoded)).toBe(valid);
  });

  it.each([
    ['2026-02-14T09:31:07.412Z', true],
    ['2026-', true],
    ['026-02-14', false],
    ['yesterday', false],
    [1771061467412, false],
  ])('takes eventTime %j as a time: %s', (eventTime, valid) => {
    const input = fixture<Records<S3Rec>>('s3-put-form-encoded');
    (input.Records[0] as unknown as Record<string, unknown>).eventTime = eventTime;
    expect('event' in (decode('created', input)[0] as Decoded)).toBe(valid);
  });

  it('names the missing binding when the trigger bucket is not bound', () => {
    const env = { ...FIXTURE_ENV, CLOUDPORT_BUCKET_UPLOADS: undefined };
    const unbound = createAwsAdapter({ pipeline, bindings: readBindings(env) });
    const units = unbound.decode(
      pipeline.functions.get('created')!,
      fixture('s3-put-form-encoded'),
    );
    expect(errorOf(units[0]).message).toMatch(/CLOUDPORT_BUCKET_UPLOADS is not set/);
  });

  it.each([
    ['null', null],
    ['an SQS-less object', {}],
    ['an empty Records array', { Records: [] }],
    ['an HTTP event', fixture('function-url')],
  ])('throws INVALID_EVENT for %s as a whole', (_name, input) => {
    expect(() => decode('created', input)).toThrow(/expected an S3 event notification/);
  });
});

describe('decodeS3Key', () => {
  const reference = (encoded: string) => decodeURIComponent(encoded.replace(/\+/g, ' '));

  it.each([
    'plain/key.csv',
    'incoming/2026+Q1/orders%2Bnorth.csv',
    'a+b+c',
    '%41%62%2f%2F',
    '100%25+done',
    '%2B%2b+%20',
    'caf%C3%A9+%E2%82%AC',
    '%F0%9F%9A%80+launch',
    'ends-with+',
    '+starts%41+%42+',
    'x%2B%2B++y%25',
    '',
  ])('decodes %j as decodeURIComponent does after + to space', (encoded) => {
    expect(decodeS3Key(encoded)).toBe(reference(encoded));
  });

  it.each(['%', '%4', '%zz', 'a%E0%A4%A', '%C3', '%ED%A0%80'])(
    'refuses %j as it does',
    (encoded) => {
      expect(() => reference(encoded)).toThrow(URIError);
      expect(() => decodeS3Key(encoded)).toThrow(URIError);
    },
  );
});

describe('SQS batches become message events', () => {
  it('decodes bodies by kind and attributes of every type to strings', () => {
    const input = fixture<Records<unknown>>('sqs-standard');
    const units = decode('jobs', input);
    const first = eventOf<MessageEvent<unknown>>(units[0]);
    expect(first).toMatchObject({
      type: 'message',
      id: '1b9c5c63-6a35-4d0e-9f54-2a1f0c7e8d01',
      messageId: '1b9c5c63-6a35-4d0e-9f54-2a1f0c7e8d01',
      queue: 'jobs',
      body: { action: 'ok', n: 1 },
      deliveryCount: 1,
      orderingKey: undefined,
      time: new Date(1771063200123).toISOString(),
    });
    expect(first.attributes).toEqual({
      tenant: 'north & south',
      weight: '12.75',
      checksum: 'AAEC/f7/',
      'source-file': 'ümlaut file.csv',
      rows: '1000',
      thumbnail: 'iVBORw0KGgo=',
      note: '',
    });
    expect(first.raw).toBe(input.Records[0]);
    expect(eventOf<MessageEvent<unknown>>(units[1]).deliveryCount).toBe(3);
  });

  it('fails an undecodable or foreign message alone, named by its message id', () => {
    const units = decode('jobs', fixture('sqs-standard'));
    expect(units.map((unit) => unit.id)).toEqual([
      '1b9c5c63-6a35-4d0e-9f54-2a1f0c7e8d01',
      '2c0d6d74-7b46-4e1f-a065-3b2a1d8f9e12',
      '3d1e7e85-8c57-4f20-b176-4c3b2e9a0f23',
      '4e2f8f96-9d68-4031-c287-5d4c3fab1034',
    ]);
    expect(errorOf(units[2]).message).toMatch(/json queue cannot decode.*not valid JSON/);
    expect(errorOf(units[3]).message).toMatch(/comes from queue "some-other-queue"/);
  });

  it('decodes a traced message, keeping its system attributes in raw', () => {
    const input = fixture<Records<SqsRec>>('sqs-traced');
    const event = eventOf<MessageEvent<{ n: number }>>(decode('jobs', input)[0]);

    expect(event).toMatchObject({
      id: 'c5d6e7f8-1a2b-4c3d-8e9f-0a1b2c3d4e5f',
      body: { action: 'ok', n: 7 },
      attributes: {},
      deliveryCount: 1,
      time: '2026-02-15T10:00:00.250Z',
    });
    expect(event.raw).toBe(input.Records[0]);
    expect((event.raw as SqsRec).attributes?.AWSTraceHeader).toMatch(/^Root=1-/);
  });

  it('maps the FIFO message group to the ordering key', () => {
    const units = decode('orders', fixture('sqs-fifo'));
    expect(units.map((unit) => 'orderingKey' in unit && unit.orderingKey)).toEqual([
      'customer-17',
      'customer-17',
      'customer-42',
      'customer-17',
      'customer-42',
    ]);
  });

  it.each([
    ['without MessageGroupId', (r: SqsRec) => delete r.attributes.MessageGroupId],
    ['with an empty MessageGroupId', (r: SqsRec) => (r.attributes.MessageGroupId = '')],
  ])('fails a FIFO record %s alone', (_name, change) => {
    const input = fixture<Records<SqsRec>>('sqs-fifo');
    change(input.Records[2] as SqsRec);
    const units = decode('orders', input);
    const error = errorOf(units[2]);
    expect(isCloudportError(error, 'INVALID_EVENT')).toBe(true);
    expect(error.message).toMatch(/FIFO queue but has no attributes\.MessageGroupId/);
    expect(units.filter((unit) => 'error' in unit)).toHaveLength(1);
  });

  it('gives standard-queue messages no ordering key, even with a message group', () => {
    const input = fixture<Records<SqsRec>>('sqs-standard');
    (input.Records[0] as SqsRec).attributes.MessageGroupId = 'tenant-a';
    expect(eventOf<MessageEvent<unknown>>(decode('jobs', input)[0]).orderingKey).toBeUndefined();
  });

  it('decodes base64 bodies of a bytes queue and refuses invalid base64', () => {
    const units = decode('blobs', fixture('sqs-bytes'));
    const body = eventOf<MessageEvent<Uint8Array>>(units[0]).body;
    expect(body).toBeInstanceOf(Uint8Array);
    expect([...body]).toEqual([0, 255, 10, 13, 128]);
    expect(errorOf(units[1]).message).toMatch(/not valid base64/);
  });

  it.each([
    ['no messageId', (r: SqsRec) => delete r.messageId, /record-0 .*has no messageId/],
    ['no body', (r: SqsRec) => delete r.body, /has no string body/],
    ['no SentTimestamp', (r: SqsRec) => delete r.attributes.SentTimestamp, /SentTimestamp/],
    ['another source', (r: SqsRec) => (r.eventSource = 'aws:sns'), /"aws:sns"/],
  ])('turns a record with %s into an INVALID_EVENT unit', (_name, change, message) => {
    const input = fixture<Records<SqsRec>>('sqs-standard');
    change(input.Records[0] as SqsRec);
    expect(errorOf(decode('jobs', input)[0]).message).toMatch(message);
  });

  it('fails each record of an S3 event given to a queue function', () => {
    const units = decode('jobs', fixture('s3-delete'));
    expect(errorOf(units[0]).message).toMatch(/record-0 .*eventSource "aws:s3", not aws:sqs/);
  });

  it('throws INVALID_EVENT for input without records', () => {
    expect(() => decode('jobs', fixture('scheduler'))).toThrow(/expected an SQS batch/);
  });
});

describe('HTTP API v2 and Function URL events become Web requests', () => {
  it('rebuilds the request of an HTTP API stage: path, query, cookies, base64 body', async () => {
    const [unit] = decode('echo', fixture('http-api-v2'));
    if (!unit || !('request' in unit)) throw new Error('no request unit');
    expect(unit.id).toBe('Fq2HjEXAMPLEreqA=');
    const request = unit.request();
    expect(request.method).toBe('POST');
    expect(request.url).toBe(
      'https://k3x7example.execute-api.eu-west-1.amazonaws.com/echo?q=hello%20world&tag=a&tag=b',
    );
    expect(request.headers.get('cookie')).toBe('session=abc123; theme=dark');
    expect(request.headers.get('x-tags')).toBe('one,two');
    expect([...new Uint8Array(await request.arrayBuffer())]).toEqual([0, 1, 2, 250, 255]);
  });

  it('takes a Function URL path as relative to the function', () => {
    const [unit] = decode('items', fixture('function-url'));
    if (!unit || !('request' in unit)) throw new Error('no request unit');
    const request = unit.request();
    expect(request.method).toBe('GET');
    expect(request.url).toBe(
      'https://abcdefexample7xyz.lambda-url.eu-west-1.on.aws/items/42?fields=name,price&lang=de',
    );
  });

  it('refuses payload format 1.0 naming the setting to change', () => {
    expect(() => decode('echo', fixture('http-api-v1'))).toThrow(/payload format 1.0.*2\.0/);
  });
});

describe('EventBridge events become schedule events', () => {
  it('decodes the Scheduler input with an id stable across retries', () => {
    const input = fixture<Record<string, string>>('scheduler');
    const event = eventOf<ScheduleEvent>(decode('tick', input)[0]);
    expect(event).toMatchObject({
      type: 'schedule',
      id:
        'arn:aws:scheduler:eu-west-1:123456789012:schedule/cloudport/csv-etl-tick' +
        '@2026-03-01T02:00:00Z',
      schedule: '0 2 * * *',
      time: '2026-03-01T02:00:00Z',
    });
    const retry = { ...input, execution: 'e99d7aa0c1', attempt: '2' };
    expect(eventOf<ScheduleEvent>(decode('tick', retry)[0]).id).toBe(event.id);
  });

  it('decodes a classic scheduled-rule event by its event id', () => {
    const event = eventOf<ScheduleEvent>(decode('tick', fixture('scheduled-rule'))[0]);
    expect(event).toMatchObject({
      id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
      time: '2026-03-01T02:00:00Z',
    });
  });

  it('fails a Scheduler input whose placeholders were never filled in', () => {
    const error = errorOf(decode('tick', { ...SCHEDULER_INPUT })[0]);
    expect(error.message).toMatch(/not a Scheduler input template|<aws\.scheduler/);
  });

  it('throws INVALID_EVENT for input of neither shape', () => {
    expect(() => decode('tick', fixture('sqs-fifo'))).toThrow(/expected an EventBridge Scheduler/);
  });
});
