import './helpers/functions-host.js';
import { readFileSync } from 'node:fs';
import {
  bucket,
  definePipeline,
  type ObjectEvent,
  onObjectCreated,
  onObjectDeleted,
} from '@cloudport/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { registerFunctions } from '../src/index.js';
import { invokeFunction, metadataOf, triggerOf } from './helpers/functions-host.js';
import { eventGridInvocation } from './helpers/host-data.js';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;

const uploads = bucket('uploads');
let seen: ObjectEvent[] = [];

const pipeline = definePipeline('objects', {
  'csv-in': {
    trigger: onObjectCreated(uploads, { prefix: 'orders/', suffix: '.csv' }),
    handler: (event) => {
      seen.push(event);
    },
  },
  'csv-gone': {
    trigger: onObjectDeleted(uploads),
    handler: (event) => {
      seen.push(event);
    },
  },
});
const env = { CLOUDPORT_BUCKET_UPLOADS: 'etl-uploads' };

beforeEach(() => {
  seen = [];
});

describe('object events through Event Grid', () => {
  registerFunctions(pipeline, { env });

  it('registers an Event Grid trigger that never reads the blob', () => {
    expect(triggerOf('csv-in')).toMatchObject({ type: 'eventGridTrigger', direction: 'in' });
  });

  it('decodes a BlobCreated event into a reference: logical bucket, key, size, ETag', async () => {
    const event = fixture('event-grid-blob-created.json');
    const result = await invokeFunction('csv-in', eventGridInvocation(event));
    expect(result.ok).toBe(true);
    expect(seen[0]).toMatchObject({
      type: 'object.created',
      id: '831e1650-001e-001b-66ab-eeb76e069631',
      bucket: 'uploads',
      key: 'orders/2026 03/ünï+plus.csv',
      size: 524288,
      etag: '"0x8DE4C1A2B3C4D5E"',
      contentType: 'text/csv',
      time: '2026-03-04T09:15:02.123Z',
    });
    expect(seen[0]?.raw).toEqual(event);
  });

  it('keeps the id of a redelivered event', async () => {
    const event = fixture('event-grid-blob-created.json');
    await invokeFunction('csv-in', eventGridInvocation(event));
    await invokeFunction('csv-in', eventGridInvocation(event));
    expect(seen.map((e) => e.id)).toEqual([event.id, event.id]);
  });

  it('reads the CloudEvents schema to the same facts', async () => {
    await invokeFunction('csv-in', eventGridInvocation(fixture('cloudevents-blob-created.json')));
    await invokeFunction('csv-in', eventGridInvocation(fixture('event-grid-blob-created.json')));
    const [cloud, grid] = seen;
    expect({ ...cloud, raw: undefined }).toEqual({ ...grid, raw: undefined });
  });

  it('prefers the URL decoding of the name when the subject carries it encoded', async () => {
    const event = fixture('event-grid-blob-created.json');
    event.subject =
      '/blobServices/default/containers/etl-uploads/blobs/' +
      'orders/2026%2003/%C3%BCn%C3%AF%2Bplus.csv';
    await invokeFunction('csv-in', eventGridInvocation(event));
    expect(seen[0]?.key).toBe('orders/2026 03/ünï+plus.csv');
  });

  it('decodes a BlobDeleted event without size or ETag', async () => {
    const result = await invokeFunction(
      'csv-gone',
      eventGridInvocation(fixture('event-grid-blob-deleted.json')),
    );
    expect(result.ok).toBe(true);
    expect(seen[0]).toMatchObject({
      type: 'object.deleted',
      key: 'orders/old file.csv',
      bucket: 'uploads',
    });
    expect(seen[0]?.size).toBeUndefined();
    expect(seen[0]?.etag).toBeUndefined();
  });

  it('decodes a CloudEvents-schema BlobDeleted event to the same kind of reference', async () => {
    const event = fixture('cloudevents-blob-deleted.json');
    const result = await invokeFunction('csv-gone', eventGridInvocation(event));
    expect(result.ok).toBe(true);
    expect(seen).toEqual([
      {
        type: 'object.deleted',
        id: '4e7a2b90-c01e-0063-2f1d-8a9b6c000000',
        bucket: 'uploads',
        key: 'orders/2026 Q1/résumé.csv',
        size: undefined,
        etag: undefined,
        contentType: 'text/csv',
        version: undefined,
        time: '2026-05-11T17:42:08.905Z',
        raw: event,
      },
    ]);
    const asCreate = await invokeFunction('csv-in', eventGridInvocation(event));
    expect(asCreate.ok ? undefined : asCreate.error).toMatchObject({ code: 'INVALID_EVENT' });
  });

  it('acknowledges, without running the handler, a key outside the prefix or suffix', async () => {
    const event = fixture('event-grid-blob-created.json');
    event.subject = '/blobServices/default/containers/etl-uploads/blobs/orders/readme.txt';
    (event.data as Record<string, unknown>).url = undefined;
    expect((await invokeFunction('csv-in', eventGridInvocation(event))).ok).toBe(true);
    expect(seen).toEqual([]);
  });

  it.each([
    [
      'an event of another container',
      { subject: '/blobServices/default/containers/other/blobs/orders/a.csv' },
    ],
    ['a delete sent to a create function', { eventType: 'Microsoft.Storage.BlobDeleted' }],
    ['an event without a time', { eventTime: 'yesterday' }],
    ['an event without an id', { id: '' }],
  ])('fails %s as INVALID_EVENT without running the handler', async (_name, change) => {
    const event = { ...fixture('event-grid-blob-created.json'), ...change };
    const result = await invokeFunction('csv-in', eventGridInvocation(event));
    expect(result.ok).toBe(false);
    expect(result.ok ? undefined : result.error).toMatchObject({
      code: 'INVALID_EVENT',
      provider: 'azure',
    });
    expect(seen).toEqual([]);
  });
});

describe('object events through the blob trigger', () => {
  it('registers a binary blob trigger on container, prefix and suffix; deletes stay', () => {
    registerFunctions(pipeline, { env, objectSource: 'blob-trigger' });
    expect(triggerOf('csv-gone')).toMatchObject({ type: 'eventGridTrigger' });
    expect(triggerOf('csv-in')).toMatchObject({
      type: 'blobTrigger',
      path: 'etl-uploads/orders/{name}.csv',
      connection: 'AzureWebJobsStorage',
      dataType: 'binary',
    });
  });

  it('decodes the trigger metadata into a reference and leaves the content out', async () => {
    registerFunctions(pipeline, {
      env: { ...env, CLOUDPORT_STORAGE: 'UseDevelopmentStorage=true' },
      functions: { 'csv-in': { objectSource: 'blob-trigger', blobSource: 'EventGrid' } },
    });
    expect(triggerOf('csv-in')).toMatchObject({
      connection: 'CLOUDPORT_STORAGE',
      source: 'EventGrid',
    });
    const { content, triggerMetadata } = fixture('blob-trigger.json') as {
      content: string;
      triggerMetadata: Record<string, unknown>;
    };
    const result = await invokeFunction('csv-in', {
      data: { bytes: Buffer.from(content) },
      triggerMetadata: metadataOf(triggerMetadata),
    });
    expect(result.ok).toBe(true);
    expect(seen[0]).toMatchObject({
      type: 'object.created',
      id: 'etl-uploads/orders/march.csv@"0x8DE4C1A2B3C4D6F"',
      key: 'orders/march.csv',
      size: 16,
      etag: '"0x8DE4C1A2B3C4D6F"',
      time: '2026-03-04T09:15:02.000Z',
    });
    expect(JSON.stringify(seen[0])).not.toContain('1,10');
  });
  it('refuses an invocation without lastModified as INVALID_EVENT naming it', async () => {
    registerFunctions(pipeline, { env, objectSource: 'blob-trigger' });
    const { content, triggerMetadata } = fixture('blob-trigger.json') as {
      content: string;
      triggerMetadata: { Properties: Record<string, unknown> };
    };
    const { LastModified: _time, ...properties } = triggerMetadata.Properties;
    const result = await invokeFunction('csv-in', {
      data: { bytes: Buffer.from(content) },
      triggerMetadata: metadataOf({ ...triggerMetadata, Properties: properties }),
    });
    expect(result.ok ? undefined : result.error).toMatchObject({
      code: 'INVALID_EVENT',
      provider: 'azure',
      message: expect.stringMatching(
        /no readable properties\.lastModified .*etl-uploads\/orders\/march\.csv/,
      ),
    });
    expect(seen).toEqual([]);
  });
});
