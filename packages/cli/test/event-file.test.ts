import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isCloudportError, type PipelineFunction } from '@cloudport/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../src/errors.js';
import { readEventFile } from '../src/event-file.js';
import { pipeline } from './fixtures/events.js';
import { tempDir } from './helpers.js';

let work: Awaited<ReturnType<typeof tempDir>>;
let count = 0;

beforeAll(async () => {
  work = await tempDir();
});

afterAll(() => work.remove());

function fn(name: string): PipelineFunction {
  const found = pipeline.functions.get(name);
  if (!found) throw new Error(`fixture has no function ${name}`);

  return found;
}

async function read(name: string, doc: unknown) {
  const file = `event-${count++}.json`;
  await writeFile(join(work.path, file), JSON.stringify(doc));

  return readEventFile(file, work.path, fn(name));
}

describe('valid event files', () => {
  it('fills id, time, bucket and raw of an object event', async () => {
    const doc = { type: 'object.created', key: 'a/b.csv', size: 12, etag: 'e1' };

    const event = await read('created', doc);

    expect(event).toEqual({
      type: 'object.created',
      id: expect.stringMatching(/^invoke-/),
      bucket: 'uploads',
      key: 'a/b.csv',
      size: 12,
      etag: 'e1',
      time: expect.any(String),
      raw: doc,
    });
    expect(Number.isNaN(Date.parse(event.time))).toBe(false);
  });

  it('keeps id, time and raw when the file gives them', async () => {
    const doc = {
      type: 'object.created',
      id: 'evt-1',
      key: 'a.csv',
      time: '2026-01-31T12:00:00Z',
      raw: { Records: [] },
    };

    const event = await read('created', doc);

    expect(event).toMatchObject({
      id: 'evt-1',
      time: '2026-01-31T12:00:00Z',
      raw: { Records: [] },
    });
  });

  it('fills the queue, message id, attributes and delivery count of a json message', async () => {
    const event = await read('order', { type: 'message', id: 'm-1', body: { id: 7 } });

    expect(event).toMatchObject({
      type: 'message',
      id: 'm-1',
      messageId: 'm-1',
      queue: 'orders',
      body: { id: 7 },
      attributes: {},
      deliveryCount: 1,
    });
  });

  it.each([
    ['a base64 object', { base64: Buffer.from('hi there').toString('base64') }],
    ['a UTF-8 string', 'hi there'],
  ])('decodes a bytes body given as %s', async (_, body) => {
    const event = await read('blob', { type: 'message', body });

    expect(event.type).toBe('message');
    const bytes = (event as { body: unknown }).body;
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(bytes as Uint8Array).toString()).toBe('hi there');
  });

  it('takes a text body as a string', async () => {
    const event = await read('note', { type: 'message', body: 'remember' });

    expect(event).toMatchObject({ queue: 'notes', body: 'remember' });
  });

  it('fills the schedule of a schedule event', async () => {
    const event = await read('nightly', { type: 'schedule', pastDue: true });

    expect(event).toMatchObject({ type: 'schedule', schedule: '0 2 * * *', pastDue: true });
  });
});

describe('malformed event files raise INVALID_EVENT naming the problem', () => {
  it.each<[string, string, unknown, RegExp]>([
    ['created', 'no type', { key: 'a' }, /needs "type": "object.created"/],
    [
      'created',
      'a deleted event',
      { type: 'object.deleted', key: 'a' },
      /has type "object.deleted"/,
    ],
    ['created', 'no key', { type: 'object.created' }, /needs field "key"/],
    ['created', 'an empty key', { type: 'object.created', key: '' }, /"key" must be a non-empty/],
    [
      'created',
      'another bucket',
      { type: 'object.created', key: 'a', bucket: 'other' },
      /names bucket "other", but function "created" is triggered by bucket "uploads"/,
    ],
    [
      'created',
      'a negative size',
      { type: 'object.created', key: 'a', size: -1 },
      /"size" must be/,
    ],
    ['created', 'a misspelt field', { type: 'object.created', Key: 'a' }, /unknown field "Key"/],
    [
      'created',
      'a time that is no time',
      { type: 'object.created', key: 'a', time: 'yesterday' },
      /time "yesterday"; use an ISO 8601 time/,
    ],
    ['order', 'no body', { type: 'message' }, /needs field "body"/],
    [
      'order',
      'attributes that are not strings',
      { type: 'message', body: 1, attributes: { n: 1 } },
      /"attributes" must be an object of string values/,
    ],
    [
      'order',
      'a delivery count of 0',
      { type: 'message', body: 1, deliveryCount: 0 },
      /"deliveryCount" must be a whole number of at least 1/,
    ],
    ['note', 'an object body', { type: 'message', body: { a: 1 } }, /queue "notes" carries text/],
    ['blob', 'a number body', { type: 'message', body: 5 }, /queue "blobs" carries bytes/],
    ['blob', 'bad base64', { type: 'message', body: { base64: '***' } }, /not valid base64/],
    ['nightly', 'a non-boolean pastDue', { type: 'schedule', pastDue: 'yes' }, /true or false/],
    ['nightly', 'an array', [{ type: 'schedule' }], /must hold one JSON object/],
  ])('%s: %s', async (name, _, doc, message) => {
    const error = await read(name, doc).catch((caught: unknown) => caught);

    expect(isCloudportError(error, 'INVALID_EVENT')).toBe(true);
    expect((error as Error).message).toMatch(message);
  });

  it('refuses an HTTP function with a usage error pointing at dev', async () => {
    const error = await read('api', { type: 'message', body: 1 }).catch(
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/cloudport dev/);
  });
});
