import { readFileSync } from 'node:fs';
import type { S3NotificationRecord, SqsRecord } from '@cloudport/aws';
import {
  bucket,
  type DeadLetterRecord,
  deadLetter,
  definePipeline,
  type MessageQueue,
  onHttp,
  onMessage,
  onObjectCreated,
  onObjectDeleted,
  onSchedule,
  type QueueRef,
  queue,
  type ResourceResolver,
} from '@cloudport/core';

/** An S3 record of a fixture, with the nested parts tests change. */
export type S3Rec = S3NotificationRecord & {
  s3: {
    bucket: { name?: string };
    object: { key?: string; size?: number; sequencer?: string };
  };
  responseElements: Record<string, string>;
};

/** An SQS record of a fixture, with its system attributes. */
export type SqsRec = SqsRecord & { attributes: Record<string, string | undefined> };

/** A fixture from test/fixtures, parsed fresh on every call. */
export function fixture<T = unknown>(name: string): T {
  const url = new URL(`../fixtures/${name}.json`, import.meta.url);

  return JSON.parse(readFileSync(url, 'utf8')) as T;
}

/** The bindings the fixtures were written against. */
export const FIXTURE_ENV = {
  CLOUDPORT_PIPELINE: 'fixtures',
  CLOUDPORT_BUCKET_UPLOADS: 'acme-csv-etl-uploads',
  CLOUDPORT_BUCKET_ARCHIVE: 'acme-csv-etl-archive',
  CLOUDPORT_QUEUE_JOBS: 'https://sqs.eu-west-1.amazonaws.com/123456789012/acme-csv-etl-jobs',
  CLOUDPORT_QUEUE_ORDERS:
    'https://sqs.eu-west-1.amazonaws.com/123456789012/acme-csv-etl-orders.fifo',
  CLOUDPORT_QUEUE_BLOBS: 'acme-csv-etl-blobs',
  CLOUDPORT_QUEUE_DEAD: 'https://sqs.eu-west-1.amazonaws.com/123456789012/acme-csv-etl-dead',
};

/** What a fixture pipeline handler is asked to do by its event. */
export type Action = { action: 'ok' | 'retry' | 'dead'; n?: number };

/** The pipeline the fixtures are decoded for; every handler records what it got. */
export function fixturePipeline(seen: unknown[] = []) {
  const uploads = bucket('uploads');
  const archive = bucket('archive');
  const jobs = queue<Action>('jobs');
  const orders = queue<Action>('orders');
  const blobs = queue('blobs', { body: 'bytes' });
  const dead = queue<DeadLetterRecord>('dead');
  const act = (event: unknown, action: string | undefined): void => {
    seen.push(event);
    if (action === 'retry') throw new Error('asked to retry');
    if (action === 'dead') deadLetter('asked to dead-letter');
  };

  return definePipeline('fixtures', {
    created: {
      trigger: onObjectCreated(uploads, { prefix: 'incoming/' }),
      deadLetter: dead,
      handler: (event) => act(event, event.key.includes('retry') ? 'retry' : undefined),
    },
    forget: { trigger: onObjectDeleted(archive), handler: (event) => act(event, undefined) },
    jobs: {
      trigger: onMessage(jobs),
      deadLetter: dead,
      handler: (message) => act(message, message.body.action),
    },
    orders: { trigger: onMessage(orders), handler: (message) => act(message, message.body.action) },
    blobs: { trigger: onMessage(blobs), handler: (message) => act(message, undefined) },
    echo: {
      trigger: onHttp('POST', '/echo'),
      handler: async (request) => {
        seen.push(request);
        const body = new Uint8Array(await request.arrayBuffer());
        return new Response(body.reverse(), {
          status: 201,
          headers: {
            'content-type': 'application/octet-stream',
            'x-cookie': request.headers.get('cookie') ?? '',
          },
        });
      },
    },
    items: {
      trigger: onHttp('GET', '/items/*'),
      handler: (request) => {
        seen.push(request);
        const headers = new Headers({ 'content-type': 'application/json' });
        headers.append('set-cookie', 'a=1; Path=/');
        headers.append('set-cookie', 'b=2; Path=/; HttpOnly');
        headers.append('vary', 'accept');
        headers.append('vary', 'accept-language');
        return new Response(JSON.stringify({ url: request.url }), { status: 200, headers });
      },
    },
    tick: { trigger: onSchedule('0 2 * * *'), handler: (event) => act(event, undefined) },
  });
}

/** A resolver whose queues keep what is sent to them, for checking dead-letter forwarding. */
export function recordingResolver(): ResourceResolver & { sent: Map<string, unknown[]> } {
  const sent = new Map<string, unknown[]>();
  const record = (name: string, body: unknown) => sent.set(name, [...(sent.get(name) ?? []), body]);

  return {
    sent,
    store: (name) => {
      throw new Error(`no store ${name} in this test`);
    },
    queue: <T>(ref: QueueRef<T>): MessageQueue<T> => ({
      queue: ref.name,
      body: ref.body,
      send: async (body) => {
        record(ref.name, body);
        return { messageId: `sent-${sent.get(ref.name)?.length}` };
      },
      sendBatch: async (entries) =>
        entries.map((entry) => {
          record(ref.name, entry.body);
          return { messageId: `sent-${sent.get(ref.name)?.length}` };
        }),
    }),
  };
}
