import { createHandler, type LambdaContext } from '@cloudport/aws';
import { createJsonLogger } from '@cloudport/core';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURE_ENV, fixture, fixturePipeline, recordingResolver } from './support/fixtures.js';

const context: LambdaContext = { awsRequestId: 'req-1', getRemainingTimeInMillis: () => 30_000 };
const original = process.env;

/** An environment that counts every look at it: reads, key checks and enumerations. */
function countingEnv(values: Record<string, string | undefined>) {
  const target = { ...values };
  const counter = { looks: 0 };
  const env = new Proxy(target, {
    get: (object, name) => {
      counter.looks += 1;
      return Reflect.get(object, name);
    },
    has: (object, name) => {
      counter.looks += 1;
      return Reflect.has(object, name);
    },
    ownKeys: (object) => {
      counter.looks += 1;
      return Reflect.ownKeys(object);
    },
  });

  return { env, target, counter };
}

afterEach(() => {
  process.env = original;
});

describe('configuration is read once, at cold start', () => {
  it.each(['jobs', 'created'])('%s: invocations read no environment', async (fn) => {
    const { env, counter } = countingEnv({ ...original, ...FIXTURE_ENV });
    process.env = env as NodeJS.ProcessEnv;
    const logger = createJsonLogger({ write: () => {} });
    const handler = createHandler(fixturePipeline(), fn, { resolver: recordingResolver(), logger });
    const event = fixture(fn === 'jobs' ? 'sqs-standard' : 's3-put-form-encoded');
    await handler(event, context);
    counter.looks = 0;

    for (let call = 0; call < 5; call += 1) await handler(event, context);

    expect(counter.looks).toBe(0);
  });

  it('keeps the bindings it read when the environment changes afterwards', async () => {
    const { env, target } = countingEnv(FIXTURE_ENV);
    const resolver = recordingResolver();
    const logger = createJsonLogger({ write: () => {} });
    const handler = createHandler(fixturePipeline(), 'jobs', { env, resolver, logger });
    target.CLOUDPORT_QUEUE_DEAD = 'https://sqs.eu-west-1.amazonaws.com/123456789012/elsewhere';
    delete target.CLOUDPORT_QUEUE_JOBS;

    const result = await handler(fixture('sqs-standard'), context);

    expect(result).toMatchObject({ batchItemFailures: [expect.anything()] });
    expect(resolver.sent.get('dead')?.length).toBe(2);
  });
});
