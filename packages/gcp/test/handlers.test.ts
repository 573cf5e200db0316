import { randomUUID } from 'node:crypto';
import {
  bucket,
  type DeadLetterRecord,
  deadLetter,
  definePipeline,
  type MessageEvent,
  type MessageQueue,
  type NeutralEvent,
  type ObjectEvent,
  onHttp,
  onMessage,
  onObjectCreated,
  onSchedule,
  type QueueRef,
  queue,
  type ResourceResolver,
} from '@cloudport/core';
import { Storage } from '@google-cloud/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GcsServer, startGcsServer } from '../../../test/gcs-server/server.mjs';
import { createCloudLogger, createGcsStore, registerFunctions } from '../src/index.js';
import { type Fixture, loadFixture, postFixture } from './support/fixtures.js';
import { type ServedFunction, serve } from './support/framework.js';

process.env.METADATA_SERVER_DETECTION = 'none';

const uploads = bucket('uploads');
const jobs = queue<{ action: string }>('jobs');
const texts = queue('texts', { body: 'text' });
const dead = queue<DeadLetterRecord>('dead');
const seen: NeutralEvent[] = [];
const contents: string[] = [];
const act = (event: NeutralEvent, action: string) => {
  seen.push(event);
  if (action === 'retry') throw new Error(`asked to fail ${event.id}`);
  if (action === 'dead') deadLetter(`asked to dead-letter ${event.id}`);
};
const pipeline = definePipeline('handlers', {
  created: {
    trigger: onObjectCreated(uploads),
    handler: async (event) => {
      seen.push(event);
      contents.push(await uploads.getText(event.key));
    },
  },
  jobs: {
    trigger: onMessage(jobs),
    deadLetter: dead,
    handler: (message) => act(message, message.body.action),
  },
  texts: { trigger: onMessage(texts), handler: (message) => act(message, message.body) },
  sweep: { trigger: onSchedule('15 minutes'), handler: (event) => act(event, 'ok') },
  echo: {
    trigger: onHttp('POST', '/echo'),
    handler: async (request) => {
      const body = new Uint8Array(await request.arrayBuffer());
      const headers = new Headers({ 'content-type': 'application/octet-stream' });
      headers.set('x-query', new URL(request.url).searchParams.get('q') ?? '');
      headers.set('x-path', new URL(request.url).pathname);
      headers.append('set-cookie', 'a=1; Path=/');
      headers.append('set-cookie', 'b=2; HttpOnly');
      return new Response(body, { status: 201, headers });
    },
  },
  broken: {
    trigger: onHttp('GET', '/'),
    handler: () => {
      throw new Error('the handler broke');
    },
  },
});

/** A queue that keeps what is sent to it, for the dead letters. */
function recordingQueue<T>(ref: QueueRef<T>, sent: unknown[]): MessageQueue<T> {
  const send = async (body: T) => {
    sent.push(body);
    return { messageId: randomUUID() };
  };
  return {
    queue: ref.name,
    body: ref.body,
    send,
    sendBatch: (entries) => Promise.all(entries.map((entry) => send(entry.body))),
  };
}

const logLines: Record<string, unknown>[] = [];
const deadLetters: DeadLetterRecord[] = [];
let gcs: GcsServer;
const served = new Map<string, ServedFunction>();

beforeAll(async () => {
  gcs = await startGcsServer({ buckets: ['acme-prod-uploads'] });
  const storage = new Storage({ apiEndpoint: gcs.url, projectId: 'demo' });
  const store = createGcsStore({
    bucket: 'uploads',
    physicalName: 'acme-prod-uploads',
    client: storage,
  });
  const resolver: ResourceResolver = {
    store: () => store,
    queue: <T>(ref: QueueRef<T>) => recordingQueue(ref, deadLetters as unknown[]),
  };
  const registration = registerFunctions(pipeline, {
    env: {
      CLOUDPORT_BUCKET_UPLOADS: 'acme-prod-uploads',
      CLOUDPORT_QUEUE_JOBS: 'csv-etl-rows',
      CLOUDPORT_QUEUE_TEXTS: 'csv-etl-rows',
      GOOGLE_CLOUD_PROJECT: 'acme-prod',
    },
    resolver,
    logger: createCloudLogger({ level: 'debug', write: (line) => logLines.push(JSON.parse(line)) }),
  });
  for (const entryPoint of registration.entryPoints.values()) {
    served.set(entryPoint, await serve(entryPoint));
  }
});

afterAll(async () => {
  for (const server of served.values()) await server.close();
  await gcs?.close();
});

const urlOf = (name: string) => served.get(name)?.url as string;

function messageFixture(
  data: unknown,
  messageId: string,
  encoding: 'json' | 'text' = 'json',
): Fixture {
  const fixture = loadFixture('pubsub-published-binary') as Extract<Fixture, { mode: 'binary' }>;
  const text = encoding === 'json' ? JSON.stringify(data) : String(data);
  const body = structuredClone(fixture.body) as { message: Record<string, unknown> };
  body.message = { ...body.message, data: Buffer.from(text).toString('base64'), messageId };

  return { ...fixture, headers: { ...fixture.headers, 'ce-id': messageId }, body };
}

describe('storage events through functions-framework', () => {
  it('runs the handler on a binary-mode finalize, reading the object via the store', async () => {
    const fixture = loadFixture('storage-finalized-binary') as Extract<Fixture, { mode: 'binary' }>;
    const key = (fixture.body as { name: string }).name;
    const storage = new Storage({ apiEndpoint: gcs.url, projectId: 'demo' });
    await storage.bucket('acme-prod-uploads').file(key).save('order_id\n1\n', { resumable: false });
    const response = await postFixture(urlOf('created'), fixture);

    expect(response.status).toBe(204);
    expect((seen.at(-1) as ObjectEvent).key).toBe(key);
    expect(contents.at(-1)).toBe('order_id\n1\n');
    const line = logLines.find((entry) => entry.message === 'invocation refused');
    expect(line).toBeUndefined();
  });

  it('runs a structured-mode event the same way', async () => {
    const storage = new Storage({ apiEndpoint: gcs.url, projectId: 'demo' });
    const fixture = loadFixture('storage-finalized-structured') as Extract<
      Fixture,
      { mode: 'json' }
    >;
    const data = fixture.body.data as { name: string; bucket: string };
    data.bucket = 'acme-prod-uploads';
    fixture.body.source = '//storage.googleapis.com/projects/_/buckets/acme-prod-uploads';
    await storage.bucket('acme-prod-uploads').file(data.name).save('売上', { resumable: false });

    expect((await postFixture(urlOf('created'), fixture)).status).toBe(204);
    expect(contents.at(-1)).toBe('売上');
  });

  it('answers INVALID_EVENT for a metadataUpdated event without running the handler', async () => {
    const before = seen.length;
    const response = await postFixture(urlOf('created'), loadFixture('storage-metadata-updated'));

    expect(response.status).toBe(500);
    expect(response.headers.get('x-google-status')).toBe('error');
    expect(await response.text()).toMatch(
      /^INVALID_EVENT: Event \d+ was set aside: .*metadataUpdated/,
    );
    expect(seen.length).toBe(before);
  });

  it.each([
    ['a JSON object that is no CloudEvent', 'application/json', '{"hello":"world"}'],
    ['an empty JSON object', 'application/json', '{}'],
  ])('answers %s with a 500 naming INVALID_EVENT', async (_case, type, body) => {
    const response = await fetch(urlOf('created'), {
      method: 'POST',
      headers: { 'content-type': type },
      body,
    });

    expect(response.status).toBe(500);
    expect(await response.text()).toMatch(/^INVALID_EVENT: The request/);
  });

  it('logs INVALID_EVENT for a non-CloudEvent request under NODE_ENV=production', async () => {
    logLines.length = 0;
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    let response: Response;
    try {
      response = await fetch(urlOf('created'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"hello":"world"}',
      });
    } finally {
      process.env.NODE_ENV = previous;
    }

    expect(response.status).toBe(500);
    expect(response.headers.get('x-google-status')).toBe('error');
    expect(await response.text()).not.toContain('INVALID_EVENT');
    expect(logLines).toContainEqual(
      expect.objectContaining({
        severity: 'ERROR',
        message: 'invocation refused',
        function: 'created',
        code: 'INVALID_EVENT',
      }),
    );
  });

  it('leaves a body that is no JSON object to the framework, which answers 500', async () => {
    // functions-framework's own CloudEvent middleware throws on a string body before any
    // function runs; the answer is still no acknowledgement.
    const before = seen.length;
    const response = await fetch(urlOf('created'), {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });

    expect(response.status).toBe(500);
    expect(seen.length).toBe(before);
  });

  it('logs JSON lines with severity and the trace of the event', async () => {
    logLines.length = 0;
    await postFixture(urlOf('created'), loadFixture('storage-metadata-updated'));
    const traced = {
      ...(loadFixture('storage-finalized-binary') as Extract<Fixture, { mode: 'binary' }>),
    };
    traced.headers = { ...traced.headers, 'ce-type': 'google.cloud.storage.object.v1.deleted' };
    await postFixture(urlOf('created'), traced);
    const warning = logLines.find((line) => line.severity === 'WARNING');

    expect(warning).toMatchObject({ function: 'created', message: 'event dead-lettered' });
    expect(logLines.at(-1)).toMatchObject({
      'logging.googleapis.com/trace': 'projects/acme-prod/traces/3f2a9c41d0b86e7152a0c3d4e5f60718',
      'logging.googleapis.com/spanId': 'a1b2c3d4e5f60718',
      'logging.googleapis.com/trace_sampled': true,
    });
  });
});

describe('Pub/Sub messages through functions-framework', () => {
  it('acknowledges a processed message with 204', async () => {
    const response = await postFixture(urlOf('jobs'), messageFixture({ action: 'ok' }, 'm-ok'));

    expect(response.status).toBe(204);
    expect((seen.at(-1) as MessageEvent).body).toEqual({ action: 'ok' });
  });

  it('answers an error status when the handler asks for a retry', async () => {
    const response = await postFixture(
      urlOf('jobs'),
      messageFixture({ action: 'retry' }, 'm-retry'),
    );

    expect(response.status).toBe(500);
    expect(await response.text()).toContain('asked to fail m-retry');
  });

  it('publishes a dead letter to the bound queue, then acknowledges', async () => {
    const response = await postFixture(urlOf('jobs'), messageFixture({ action: 'dead' }, 'm-dead'));

    expect(response.status).toBe(204);
    expect(deadLetters.at(-1)).toMatchObject({
      reason: 'asked to dead-letter m-dead',
      function: 'jobs',
      pipeline: 'handlers',
      eventId: 'm-dead',
    });
  });

  it('dead-letters an undecodable message as INVALID_EVENT, running no handler', async () => {
    const before = seen.length;
    const response = await postFixture(urlOf('jobs'), messageFixture('not json', 'm-bad', 'text'));

    expect(response.status).toBe(204);
    expect(deadLetters.at(-1)).toMatchObject({ code: 'INVALID_EVENT', eventId: 'm-bad' });
    expect(seen.length).toBe(before);
  });

  it('fails a dead-lettered message when no dead-letter queue is bound', async () => {
    const response = await postFixture(urlOf('texts'), messageFixture('dead', 't-dead', 'text'));

    expect(response.status).toBe(500);
    expect(await response.text()).toMatch(/^DEAD_LETTER: .*binds no dead-letter queue/);
    expect(response.headers.get('x-google-status')).toBe('error');
  });

  it('accepts a raw push body', async () => {
    const fixture = loadFixture('pubsub-push-body') as Extract<Fixture, { mode: 'json' }>;
    const message = fixture.body.message as Record<string, unknown>;
    message.data = Buffer.from('ok').toString('base64');

    expect((await postFixture(urlOf('texts'), fixture)).status).toBe(204);
    expect((seen.at(-1) as MessageEvent).body).toBe('ok');
  });
});

describe('schedules and HTTP through functions-framework', () => {
  it('runs a Cloud Scheduler firing', async () => {
    expect((await postFixture(urlOf('sweep'), loadFixture('scheduler-firing'))).status).toBe(204);
    expect(seen.at(-1)).toMatchObject({ type: 'schedule', time: '2026-02-14T09:45:00.000Z' });
  });

  it('hands the raw body bytes to the handler, not re-serialised JSON', async () => {
    const raw = '{ "b" : 2,\n  "a": [1, 2.50] }';
    const response = await fetch(`${urlOf('echo')}/echo?q=a%20b`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: raw,
    });

    expect(response.status).toBe(201);
    expect(new TextDecoder().decode(new Uint8Array(await response.arrayBuffer()))).toBe(raw);
    expect(response.headers.get('x-query')).toBe('a b');
    expect(response.headers.get('x-path')).toBe('/echo');
    expect(response.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; HttpOnly']);
  });

  it('round-trips binary bodies, with or without a content type', async () => {
    const bytes = new Uint8Array([0, 1, 2, 127, 128, 254, 255]);
    for (const headers of [{ 'content-type': 'application/octet-stream' }, {}] as HeadersInit[]) {
      const response = await fetch(`${urlOf('echo')}/echo`, {
        method: 'POST',
        headers,
        body: bytes,
      });
      expect(new Uint8Array(await response.arrayBuffer())).toEqual(bytes);
    }
  });

  it('answers 404 for another path and 405 for another method', async () => {
    expect((await fetch(`${urlOf('echo')}/other`, { method: 'POST' })).status).toBe(404);
    const wrong = await fetch(`${urlOf('echo')}/echo`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
  });

  it('answers 500 when the handler throws', async () => {
    const response = await fetch(urlOf('broken'));

    expect(response.status).toBe(500);
    expect(await response.text()).toBe('Internal Server Error\n');
  });
});
