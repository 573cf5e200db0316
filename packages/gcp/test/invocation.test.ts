import {
  definePipeline,
  type HandlerContext,
  onMessage,
  queue,
  type ResourceResolver,
} from '@cloudport/core';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  type CloudEventFunction,
  createCloudLogger,
  type FunctionRegistry,
  registerFunctions,
} from '../src/index.js';
import { frameworkEvent, loadFixture } from './support/fixtures.js';

const rows = queue<{ fail?: boolean }>('rows');
const contexts: HandlerContext[] = [];
const pipeline = definePipeline('invocations', {
  rows: {
    trigger: onMessage(rows),
    handler: (message, context) => {
      contexts.push(context);
      if (message.body.fail) throw new Error('asked to fail');
    },
  },
  later: {
    trigger: onMessage(rows),
    handler: async (_message, context) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      contexts.push(context);
    },
  },
});
const unused: ResourceResolver = {
  store: () => {
    throw new Error('no store in this test');
  },
  queue: () => {
    throw new Error('no queue in this test');
  },
};
const lines: Record<string, unknown>[] = [];
const functions = new Map<string, CloudEventFunction>();
const registry: FunctionRegistry = {
  http: () => {},
  cloudEvent: (name, handler) => functions.set(name, handler),
};
registerFunctions(pipeline, {
  env: { CLOUDPORT_QUEUE_ROWS: 'csv-etl-rows' },
  registry,
  resolver: unused,
  logger: createCloudLogger({ level: 'debug', write: (line) => lines.push(JSON.parse(line)) }),
});

function message(body: unknown): Record<string, unknown> {
  const event = frameworkEvent(loadFixture('pubsub-published-binary'));
  const data = event.data as { message: Record<string, unknown> };
  data.message.data = Buffer.from(JSON.stringify(body)).toString('base64');

  return event;
}

const call = (name: string, event: unknown) => (functions.get(name) as CloudEventFunction)(event);

beforeEach(() => {
  lines.length = 0;
  contexts.length = 0;
});

describe('a registered CloudEvent function', () => {
  it('resolves to nothing for an acknowledged event, so the framework answers 204', async () => {
    await expect(call('rows', message({}))).resolves.toBeUndefined();
    await expect(call('later', message({}))).resolves.toBeUndefined();

    expect(contexts).toHaveLength(2);
    expect(lines).toEqual([]);
  });

  it('rejects a failed event with its error, and logs the failure but no refusal', async () => {
    await expect(call('rows', message({ fail: true }))).rejects.toThrow('asked to fail');

    expect(lines.map((line) => line.message)).toEqual(['handler failed; event will be retried']);
    expect(lines[0]).toMatchObject({ invocationId: contexts[0]?.invocationId });
  });

  it('rejects input that is no CloudEvent with INVALID_EVENT, and logs it as refused', async () => {
    const refusal = call('rows', { hello: 'world' });

    await expect(refusal).rejects.toMatchObject({ code: 'INVALID_EVENT' });
    await expect(refusal).rejects.toThrow(/^INVALID_EVENT: The request is not a CloudEvent/);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ message: 'invocation refused', code: 'INVALID_EVENT' });
    expect(typeof lines[0]?.invocationId).toBe('string');
    expect(contexts).toEqual([]);
  });

  it('gives every invocation its own id, the same in its context and its logs', async () => {
    for (let count = 0; count < 3; count++) await call('rows', message({}));
    await call('later', message({}));
    await call('rows', message({ fail: true })).catch(() => {});

    const ids = contexts.map((context) => context.invocationId);
    expect(new Set(ids).size).toBe(5);
    expect(lines.at(-1)?.invocationId).toBe(ids.at(-1));
    for (const id of ids) expect(id).toMatch(/^[0-9a-f-]{36}-\d+$/);
  });
});
