import {
  createHandler,
  type HttpResultV2,
  type LambdaContext,
  type SqsBatchResult,
} from '@cloudport/aws';
import {
  createJsonLogger,
  type DeadLetterRecord,
  type HandlerContext,
  isCloudportError,
  type MessageEvent,
} from '@cloudport/core';
import { describe, expect, it, vi } from 'vitest';
import {
  FIXTURE_ENV,
  fixture,
  fixturePipeline,
  recordingResolver,
  type S3Rec,
} from './support/fixtures.js';

type Records<T> = { Records: T[] };

function setup(fn: string) {
  const seen: unknown[] = [];
  const lines: Array<Record<string, unknown>> = [];
  const resolver = recordingResolver();
  const logger = createJsonLogger({ write: (line) => lines.push(JSON.parse(line)) });
  const handler = createHandler(fixturePipeline(seen), fn, { env: FIXTURE_ENV, resolver, logger });
  const context: LambdaContext = {
    awsRequestId: 'req-7f3a',
    getRemainingTimeInMillis: () => 30_000,
  };

  return { handler, seen, lines, resolver, context };
}

describe('SQS: partial batch responses', () => {
  it('reports retried messages by id and forwards dead letters to the bound queue', async () => {
    const { handler, context, resolver } = setup('jobs');
    const result = (await handler(fixture('sqs-standard'), context)) as SqsBatchResult;
    expect(result.batchItemFailures).toEqual([
      { itemIdentifier: '2c0d6d74-7b46-4e1f-a065-3b2a1d8f9e12' },
    ]);
    const dead = (resolver.sent.get('dead') ?? []) as DeadLetterRecord[];
    expect(dead.map((record) => [record.eventId, record.code])).toEqual([
      ['3d1e7e85-8c57-4f20-b176-4c3b2e9a0f23', 'INVALID_EVENT'],
      ['4e2f8f96-9d68-4031-c287-5d4c3fab1034', 'INVALID_EVENT'],
    ]);
  });

  it('returns an empty failure list when every message succeeds', async () => {
    const { handler, context } = setup('jobs');
    const input = fixture<Records<unknown>>('sqs-standard');
    input.Records = input.Records.slice(0, 1);
    expect(await handler(input, context)).toEqual({ batchItemFailures: [] });
  });

  it('on FIFO, fails the failed message and every later one of its group only', async () => {
    const { handler, context, seen } = setup('orders');
    const result = (await handler(fixture('sqs-fifo'), context)) as SqsBatchResult;
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([
      'a0000002-0000-4000-8000-000000000002',
      'a0000004-0000-4000-8000-000000000004',
    ]);
    expect(seen.map((event) => (event as MessageEvent<{ n: number }>).body.n)).toEqual([
      1, 2, 3, 5,
    ]);
  });

  it('with no dead-letter queue bound, reports an invalid message failed (redrive)', async () => {
    const { handler, context } = setup('blobs');
    const result = (await handler(fixture('sqs-bytes'), context)) as SqsBatchResult;
    expect(result.batchItemFailures).toEqual([
      { itemIdentifier: 'b0000002-0000-4000-8000-000000000002' },
    ]);
  });

  it('fails the whole batch when a failed record has no messageId to report', async () => {
    const { handler, context } = setup('blobs');
    const input = fixture<Records<Record<string, unknown>>>('sqs-bytes');
    delete input.Records[1]?.messageId;
    await expect(handler(input, context)).rejects.toThrow(/without a messageId failed/);
  });

  it('fails the invocation when every message failed, so that it counts as an error', async () => {
    const { handler, context, lines } = setup('jobs');
    const input = fixture<Records<Record<string, unknown>>>('sqs-standard');
    input.Records = [input.Records[1] as Record<string, unknown>];

    const error = await handler(input, context).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).errors.map((e) => (e as Error).message)).toEqual([
      'asked to retry',
    ]);
    expect((error as Error).message).toMatch(/All 1 messages of the SQS batch for function "jobs"/);
    expect(lines.map((line) => line.message)).toEqual([
      'handler failed; event will be retried',
      'invocation failed',
    ]);
  });

  it('still answers with the failures when a dead letter was forwarded beside them', async () => {
    const { handler, context } = setup('jobs');
    const input = fixture<Records<Record<string, unknown>>>('sqs-standard');
    input.Records = input.Records.slice(1, 3);

    const result = (await handler(input, context)) as SqsBatchResult;

    expect(result.batchItemFailures).toEqual([
      { itemIdentifier: '2c0d6d74-7b46-4e1f-a065-3b2a1d8f9e12' },
    ]);
  });

  it('logs failures as JSON lines carrying the request id', async () => {
    const { handler, context, lines } = setup('jobs');
    await handler(fixture('sqs-standard'), context);
    const retried = lines.find((line) => line.eventId === '2c0d6d74-7b46-4e1f-a065-3b2a1d8f9e12');
    expect(retried).toMatchObject({ level: 'warn', invocationId: 'req-7f3a', function: 'jobs' });
  });
});

describe('S3: failed invocations for Lambda to retry', () => {
  it('acknowledges a valid event and returns nothing', async () => {
    const { handler, context, seen } = setup('created');
    expect(await handler(fixture('s3-put-form-encoded'), context)).toBeUndefined();
    expect(seen).toHaveLength(1);
  });

  it('throws the handler error so that the whole event is retried', async () => {
    const { handler, context } = setup('created');
    const input = fixture<Records<S3Rec>>('s3-put-form-encoded');
    (input.Records[0] as S3Rec).s3.object.key = 'incoming/retry.csv';
    await expect(handler(input, context)).rejects.toThrow('asked to retry');
  });

  it('dead-letters a mismatched record to the bound queue and runs the others', async () => {
    const { handler, context, seen, resolver } = setup('created');
    expect(await handler(fixture('s3-multiple-records'), context)).toBeUndefined();
    expect(seen).toHaveLength(2);
    expect((resolver.sent.get('dead') as DeadLetterRecord[])[0]?.code).toBe('INVALID_EVENT');
  });

  it('without a bound dead-letter queue, fails the invocation for an invalid record', async () => {
    const { handler, context } = setup('forget');
    const input = fixture<Records<S3Rec>>('s3-delete');
    (input.Records[0] as S3Rec).s3.bucket.name = 'elsewhere';
    const failure = await handler(input, context).catch((error: unknown) => error);
    expect(isCloudportError(failure, 'INVALID_EVENT')).toBe(true);
  });

  it('rejects input that is not an S3 event at all with INVALID_EVENT', async () => {
    const { handler, context } = setup('created');
    const failure = await handler({ hello: 'world' }, context).catch((error: unknown) => error);
    expect(isCloudportError(failure, 'INVALID_EVENT')).toBe(true);
  });
});

describe('the Lambda context', () => {
  it('asks Lambda for the time left only when the handler does, and then each time', async () => {
    const seen: unknown[] = [];
    const pipeline = fixturePipeline(seen);
    const asked: number[] = [];
    const fn = pipeline.functions.get('forget');
    if (fn)
      fn.handler = (_event: unknown, context: HandlerContext) => {
        asked.push(context.remainingTimeMs());
      };
    const handler = createHandler(pipeline, 'forget', { env: FIXTURE_ENV, logger: false });
    let left = 9_000;
    const context: LambdaContext = {
      awsRequestId: 'req-1',
      getRemainingTimeInMillis: vi.fn(() => (left -= 1_000)),
    };
    await handler(fixture('s3-delete'), context);

    expect(asked).toEqual([8_000]);
    expect(context.getRemainingTimeInMillis).toHaveBeenCalledTimes(1);
  });

  it('logs a failed invocation once, with the request id, and fails it', async () => {
    const { handler, context, lines } = setup('created');
    const input = fixture<Records<S3Rec>>('s3-put-form-encoded');
    (input.Records[0] as S3Rec).s3.object.key = 'incoming/retry.csv';
    await expect(handler(input, context)).rejects.toThrow('asked to retry');
    const failed = lines.filter((line) => line.message === 'invocation failed');
    expect(failed).toMatchObject([{ level: 'error', invocationId: 'req-7f3a' }]);
  });
});

describe('HTTP: Web Response to the Lambda result', () => {
  it('returns binary bodies as base64 with status and headers', async () => {
    const { handler, context } = setup('echo');
    const result = (await handler(fixture('http-api-v2'), context)) as HttpResultV2;
    expect(result).toMatchObject({ statusCode: 201, isBase64Encoded: true });
    expect(Buffer.from(result.body ?? '', 'base64')).toEqual(Buffer.from([255, 250, 2, 1, 0]));
    expect(result.headers?.['content-type']).toBe('application/octet-stream');
    expect(result.headers?.['x-cookie']).toBe('session=abc123; theme=dark');
  });

  it('returns text bodies as text, cookies in `cookies`, repeated headers joined', async () => {
    const { handler, context } = setup('items');
    const result = (await handler(fixture('function-url'), context)) as HttpResultV2;
    expect(result.isBase64Encoded).toBe(false);
    expect(JSON.parse(result.body ?? '')).toEqual({
      url: 'https://abcdefexample7xyz.lambda-url.eu-west-1.on.aws/items/42?fields=name,price&lang=de',
    });
    expect(result.cookies).toEqual(['a=1; Path=/', 'b=2; Path=/; HttpOnly']);
    expect(result.headers?.['set-cookie']).toBeUndefined();
    expect(result.headers?.vary).toBe('accept, accept-language');
  });

  it('answers 404 without running the handler when method or path do not match', async () => {
    const { handler, context, seen } = setup('echo');
    const input = fixture<Record<string, unknown>>('function-url');
    expect(((await handler(input, context)) as HttpResultV2).statusCode).toBe(404);
    expect(seen).toHaveLength(0);
  });

  it('answers 500 without details when the handler throws', async () => {
    const seen: unknown[] = [];
    const pipeline = fixturePipeline(seen);
    const fn = pipeline.functions.get('items');
    if (fn) fn.handler = () => Promise.reject(new Error('secret detail'));
    const handler = createHandler(pipeline, 'items', { env: FIXTURE_ENV, logger: false });
    const result = (await handler(fixture('function-url'))) as HttpResultV2;
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toMatch(/secret/);
  });
});

describe('schedules', () => {
  it('runs a Scheduler firing and a scheduled-rule firing', async () => {
    const { handler, context, seen } = setup('tick');
    expect(await handler(fixture('scheduler'), context)).toBeUndefined();
    expect(await handler(fixture('scheduled-rule'), context)).toBeUndefined();
    expect(seen).toHaveLength(2);
  });
});

describe('configuration', () => {
  // The bindings the fixtures were written against, one left out at a time.
  const unbound: Array<[string, keyof typeof FIXTURE_ENV, RegExp]> = [
    ['created', 'CLOUDPORT_BUCKET_UPLOADS', /trigger bucket uploads/],
    ['forget', 'CLOUDPORT_BUCKET_ARCHIVE', /trigger bucket archive/],
    ['jobs', 'CLOUDPORT_QUEUE_JOBS', /trigger queue jobs/],
    ['orders', 'CLOUDPORT_QUEUE_ORDERS', /trigger queue orders/],
    ['jobs', 'CLOUDPORT_QUEUE_DEAD', /dead-letter queue dead/],
    ['created', 'CLOUDPORT_QUEUE_DEAD', /dead-letter queue dead/],
  ];

  it.each(unbound)('refuses to make the %s handler without %s', (fn, variable, what) => {
    for (const value of [undefined, '']) {
      const env = { ...FIXTURE_ENV, [variable]: value };
      const failure = (() => {
        try {
          createHandler(fixturePipeline(), fn, { env, logger: false });
        } catch (error) {
          return error;
        }
      })();
      expect(isCloudportError(failure, 'INVALID_CONFIG')).toBe(true);
      expect((failure as Error).message).toMatch(what);
      expect((failure as Error).message).toContain(`${variable} is not set`);
    }
  });

  it('leaves the dead-letter queue to a caller resolver; binds HTTP and schedules', () => {
    const env = { ...FIXTURE_ENV, CLOUDPORT_QUEUE_DEAD: undefined };
    const resolver = recordingResolver();
    expect(() => createHandler(fixturePipeline(), 'jobs', { env, resolver })).not.toThrow();
    const bare = { CLOUDPORT_PIPELINE: 'fixtures' };
    for (const fn of ['echo', 'items', 'tick']) {
      expect(() =>
        createHandler(fixturePipeline(), fn, { env: bare, logger: false }),
      ).not.toThrow();
    }
  });

  it('refuses an unknown function name, listing the known ones', () => {
    expect(() => createHandler(fixturePipeline(), 'nope', { env: FIXTURE_ENV })).toThrow(
      /no function "nope"; it has: created, forget/,
    );
  });
});
