import { Readable } from 'node:stream';
import {
  type Adapter,
  bucket,
  type CapabilityDeclaration,
  createInvoker,
  currentResolver,
  type DeadLetterRecord,
  type Decoded,
  deadLetter,
  definePipeline,
  FEATURES,
  type FunctionOptions,
  type HandlerContext,
  InvalidConfigError,
  InvalidEventError,
  invoke,
  type LogFields,
  type Logger,
  type MessageEvent,
  type MessageQueue,
  type ObjectInfo,
  ObjectNotFoundError,
  type ObjectStore,
  onHttp,
  onMessage,
  type PipelineFunction,
  type PutData,
  type QueueRef,
  queue,
  type ResourceResolver,
  readAll,
  runUnits,
  type Settled,
  setDefaultResolver,
  UnsupportedError,
} from '@cloudport/core';
import { afterEach, describe, expect, it, vi } from 'vitest';

// ---- An in-memory resolver: a Map per bucket, a sent-list per queue. ----

interface MemoryResolver extends ResourceResolver {
  sent(queue: string): unknown[];
  objects: Map<string, Map<string, { data: Buffer; info: ObjectInfo }>>;
}

function createMemoryResolver(options: { failingQueues?: string[] } = {}): MemoryResolver {
  const sent = new Map<string, unknown[]>();
  const objects = new Map<string, Map<string, { data: Buffer; info: ObjectInfo }>>();
  let nextId = 0;

  return {
    objects,
    sent: (name) => sent.get(name) ?? [],
    store: (name) => createMemoryStore(name, objects),
    queue<T>(ref: QueueRef<T>): MessageQueue<T> {
      const send = async (body: T) => {
        if (options.failingQueues?.includes(ref.name)) throw new Error(`${ref.name} is down`);
        const list = sent.get(ref.name) ?? [];
        list.push(body);
        sent.set(ref.name, list);
        return { messageId: `m-${++nextId}` };
      };
      return {
        queue: ref.name,
        body: ref.body,
        send,
        sendBatch: (entries) => Promise.all(entries.map((entry) => send(entry.body))),
      };
    },
  };
}

function createMemoryStore(name: string, all: MemoryResolver['objects']): ObjectStore {
  const objects = all.get(name) ?? new Map();
  all.set(name, objects);
  const head = async (key: string) => {
    const found = objects.get(key);
    if (!found) throw new ObjectNotFoundError(name, key, { provider: 'memory' });
    return found.info;
  };
  const put = async (key: string, data: PutData, options: { contentType?: string } = {}) => {
    const bytes =
      typeof data === 'string' || data instanceof Uint8Array
        ? Buffer.from(data)
        : await readAll(data as AsyncIterable<Uint8Array>);
    const etag = `"${objects.size + 1}"`;
    const info = {
      key,
      size: bytes.length,
      etag,
      lastModified: new Date(),
      contentType: options.contentType,
      metadata: {},
    };
    objects.set(key, { data: bytes, info });
    return { key, etag };
  };

  return {
    bucket: name,
    head,
    put,
    get: async (key) => ({ info: await head(key), body: Readable.from([objects.get(key)!.data]) }),
    list: async ({ prefix = '' } = {}) => ({
      objects: [...objects.values()].map((o) => o.info).filter((i) => i.key.startsWith(prefix)),
    }),
    delete: async (key) => {
      objects.delete(key);
    },
    copy: async (from, to) => {
      await head(from);
      return put(to, objects.get(from)!.data);
    },
    signedUrl: async () => {
      throw new UnsupportedError('store.signed-url', 'the memory store has no URLs');
    },
  };
}

// ---- A tiny adapter: records in, a list of failed ids out. ----

interface TestRecord {
  id: string;
  body?: unknown;
  orderingKey?: string;
  undecodable?: boolean;
  url?: string;
}

interface TestOutput {
  failed: string[];
  settled: Settled[];
}

const capabilities = {
  implementation: 'test',
  title: 'Test',
  features: Object.fromEntries(FEATURES.map((f) => [f.id, { support: 'yes' }])),
} as CapabilityDeclaration;

function toMessage(record: TestRecord, queueName: string): MessageEvent {
  return {
    type: 'message',
    id: record.id,
    queue: queueName,
    messageId: record.id,
    body: record.body,
    attributes: {},
    deliveryCount: 1,
    orderingKey: record.orderingKey,
    time: '2026-03-10T10:00:00.000Z',
    raw: record,
  };
}

const testAdapter: Adapter<TestRecord[], TestOutput> = {
  name: 'test',
  capabilities,
  decode(fn, input) {
    return input.map((record): Decoded => {
      if (record.undecodable) {
        const error = new InvalidEventError(`record ${record.id} has no body`, {
          provider: 'test',
        });
        return { id: record.id, error, raw: record };
      }
      if (record.url) {
        const url = record.url;
        return { id: record.id, request: () => new Request(url, { method: 'POST' }) };
      }
      const queueName = fn.trigger.kind === 'queue' ? fn.trigger.queue.name : 'none';
      return {
        id: record.id,
        event: toMessage(record, queueName),
        orderingKey: record.orderingKey,
      };
    });
  },
  encode(_fn, settled) {
    const failed = settled
      .filter(
        (s) =>
          s.outcome.kind === 'retry' || (s.outcome.kind === 'dead-letter' && !s.outcome.forwarded),
      )
      .map((s) => s.id);
    return { failed, settled };
  },
  bind: () => createMemoryResolver(),
};

// ---- Helpers ----

interface LogEntry {
  level: string;
  message: string;
  fields: LogFields | undefined;
}

function recordingLogger(): Logger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at =
    (level: string) =>
    (message: string, fields?: LogFields): void => {
      entries.push({ level, message, fields });
    };
  const logger = {
    entries,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => logger,
  };

  return logger;
}

const rows = queue<{ n: number }>('rows');
const failures = queue<DeadLetterRecord>('failures');

function setup(
  // biome-ignore lint/suspicious/noExplicitAny: the handler type depends on the trigger
  options: Partial<FunctionOptions<any>> & Pick<FunctionOptions<any>, 'handler'>,
  resolver = createMemoryResolver(),
) {
  const pipeline = definePipeline('etl', { load: { trigger: onMessage(rows), ...options } });
  const fn = pipeline.functions.get('load') as PipelineFunction;
  const logger = recordingLogger();
  const run = (input: TestRecord[], extra: { deadline?: number; signal?: AbortSignal } = {}) =>
    invoke({
      adapter: testAdapter,
      pipeline,
      fn,
      input,
      resolver,
      logger,
      invocationId: 'inv-42',
      ...extra,
    });

  return { pipeline, fn, logger, resolver, run };
}

const outcomes = (output: TestOutput) =>
  Object.fromEntries(output.settled.map((s) => [s.id, s.outcome.kind]));

afterEach(() => {
  vi.useRealTimers();
});

// ---- Tests ----

describe('invoke', () => {
  it('calls the handler once per unit, in order, and encodes every unit as processed', async () => {
    const seen: unknown[] = [];
    const { run } = setup({ handler: (event: MessageEvent) => void seen.push(event.body) });
    const output = await run([
      { id: 'a', body: { n: 1 } },
      { id: 'b', body: { n: 2 } },
      { id: 'c', body: { n: 3 } },
    ]);

    expect(seen).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(outcomes(output)).toEqual({ a: 'processed', b: 'processed', c: 'processed' });
    expect(output.failed).toEqual([]);
  });

  it('retries a unit whose handler throws and goes on with the rest', async () => {
    const flaky = new Error('database timeout');
    const { run, logger } = setup({
      handler: (event: MessageEvent) => {
        if (event.id === 'b') throw flaky;
      },
    });
    const output = await run([{ id: 'a' }, { id: 'b' }, { id: 'c' }]);

    expect(outcomes(output)).toEqual({ a: 'processed', b: 'retry', c: 'processed' });
    expect(output.settled[1]?.outcome).toEqual({ kind: 'retry', error: flaky });
    expect(output.failed).toEqual(['b']);
    expect(logger.entries).toContainEqual(
      expect.objectContaining({ level: 'warn', fields: { eventId: 'b', error: flaky } }),
    );
  });

  it('forwards a deadLetter() to the bound queue as a record and settles it', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-10T10:00:05.000Z'));
    const { run, resolver } = setup({
      deadLetter: failures,
      handler: (event: MessageEvent) => {
        if (event.id === 'b') deadLetter('row has no id');
      },
    });
    const output = await run([{ id: 'a' }, { id: 'b', body: { n: 2 } }]);

    expect(outcomes(output)).toEqual({ a: 'processed', b: 'dead-letter' });
    expect(output.settled[1]?.outcome).toMatchObject({ reason: 'row has no id', forwarded: true });
    expect(output.failed).toEqual([]);
    expect(resolver.sent('failures')).toEqual([
      {
        reason: 'row has no id',
        code: 'DEAD_LETTER',
        pipeline: 'etl',
        function: 'load',
        eventId: 'b',
        event: expect.objectContaining({ type: 'message', id: 'b', body: { n: 2 } }),
        deadLetteredAt: '2026-03-10T10:00:05.000Z',
      },
    ]);
  });

  it('dead-letters a bytes body as base64 in the record', async () => {
    const { run, resolver } = setup({ deadLetter: failures, handler: () => deadLetter('binary') });
    await run([{ id: 'a', body: new Uint8Array([0, 255, 1]) }]);
    const [record] = resolver.sent('failures') as DeadLetterRecord[];

    expect(record?.event).toMatchObject({ body: { base64: 'AP8B' } });
  });

  it('leaves a dead letter unforwarded without a bound queue, for the platform', async () => {
    const { run, resolver } = setup({ handler: () => deadLetter('poison') });
    const output = await run([{ id: 'a' }]);

    expect(output.settled[0]?.outcome).toMatchObject({
      kind: 'dead-letter',
      reason: 'poison',
      forwarded: false,
    });
    expect(output.failed).toEqual(['a']);
    expect(resolver.sent('failures')).toEqual([]);
  });

  it('turns a failed forward into a retry and logs it, so the event is not lost', async () => {
    const resolver = createMemoryResolver({ failingQueues: ['failures'] });
    const { run, logger } = setup(
      { deadLetter: failures, handler: () => deadLetter('poison') },
      resolver,
    );
    const output = await run([{ id: 'a' }]);

    expect(output.settled[0]?.outcome).toEqual({
      kind: 'retry',
      error: new Error('failures is down'),
    });
    expect(output.failed).toEqual(['a']);
    expect(logger.entries).toContainEqual(
      expect.objectContaining({
        level: 'error',
        fields: expect.objectContaining({ eventId: 'a', deadLetterQueue: 'failures' }),
      }),
    );
  });

  it('dead-letters an undecodable unit with its raw input while the rest proceed', async () => {
    const handled: string[] = [];
    const { run, resolver } = setup({
      deadLetter: failures,
      handler: (event: MessageEvent) => void handled.push(event.id),
    });
    const bad = { id: 'b', undecodable: true };
    const output = await run([{ id: 'a' }, bad, { id: 'c' }]);

    expect(handled).toEqual(['a', 'c']);
    expect(outcomes(output)).toEqual({ a: 'processed', b: 'dead-letter', c: 'processed' });
    expect(resolver.sent('failures')).toEqual([
      expect.objectContaining({
        reason: 'record b has no body',
        code: 'INVALID_EVENT',
        eventId: 'b',
        event: bad,
      }),
    ]);
  });

  it('dead-letters a unit whose handler throws INVALID_EVENT', async () => {
    const { run, resolver } = setup({
      deadLetter: failures,
      handler: () => {
        throw new InvalidEventError('column count is 3, expected 4');
      },
    });
    const output = await run([{ id: 'a' }]);

    expect(output.settled[0]?.outcome).toMatchObject({ kind: 'dead-letter', forwarded: true });
    expect(resolver.sent('failures')).toEqual([
      expect.objectContaining({ code: 'INVALID_EVENT', reason: 'column count is 3, expected 4' }),
    ]);
  });

  it('skips later units of an ordering key after one failed, and runs other keys', async () => {
    const handled: string[] = [];
    const { run } = setup({
      handler: (event: MessageEvent) => {
        handled.push(event.id);
        if (event.id === 'k1-first') throw new Error('failed');
      },
    });
    const output = await run([
      { id: 'k1-first', orderingKey: 'k1' },
      { id: 'k2-first', orderingKey: 'k2' },
      { id: 'k1-second', orderingKey: 'k1' },
      { id: 'no-key' },
      { id: 'k1-third', orderingKey: 'k1' },
    ]);

    expect(handled).toEqual(['k1-first', 'k2-first', 'no-key']);
    expect(outcomes(output)).toEqual({
      'k1-first': 'retry',
      'k2-first': 'processed',
      'k1-second': 'retry',
      'no-key': 'processed',
      'k1-third': 'retry',
    });
    const skipped = output.settled[2]?.outcome;
    expect(skipped?.kind === 'retry' && String(skipped.error)).toContain('"k1"');
  });

  it('goes on with an ordering key after its unit was dead-lettered to a queue', async () => {
    const handled: string[] = [];
    const { run } = setup({
      deadLetter: failures,
      handler: (event: MessageEvent) => {
        handled.push(event.id);
        if (event.id === 'first') deadLetter('poison');
      },
    });
    const output = await run([
      { id: 'first', orderingKey: 'k' },
      { id: 'second', orderingKey: 'k' },
    ]);

    expect(handled).toEqual(['first', 'second']);
    expect(outcomes(output)).toEqual({ first: 'dead-letter', second: 'processed' });
  });

  it("returns the handler's Response for an HTTP unit, building the Request then", async () => {
    const response = new Response('created', { status: 201 });
    const seen: Request[] = [];
    const pipeline = definePipeline('api', {
      ingest: {
        trigger: onHttp('POST', '/ingest'),
        handler: async (request: Request) => {
          seen.push(request);
          return response;
        },
      },
    });
    const fn = pipeline.functions.get('ingest')!;
    const decoded = testAdapter.decode(fn, [{ id: 'r1', url: 'https://fn.example/ingest' }]);
    const build = vi.spyOn(decoded[0] as { request: () => Request }, 'request');
    const options = {
      pipeline,
      fn,
      resolver: createMemoryResolver(),
      logger: recordingLogger(),
      invocationId: 'inv-1',
    };

    expect(build).not.toHaveBeenCalled();
    const [settled] = await runUnits(options, decoded);

    expect(build).toHaveBeenCalledTimes(1);
    expect(settled?.outcome).toEqual({ kind: 'processed' });
    expect(settled?.response).toBe(response);
    expect(seen[0]?.url).toBe('https://fn.example/ingest');
    expect(seen[0]?.method).toBe('POST');
  });

  it('retries an HTTP unit whose handler throws, with no response', async () => {
    const boom = new Error('boom');
    const pipeline = definePipeline('api', {
      ingest: {
        trigger: onHttp('POST'),
        handler: async () => {
          throw boom;
        },
      },
    });
    const fn = pipeline.functions.get('ingest')!;
    const [settled] = await runUnits(
      {
        pipeline,
        fn,
        resolver: createMemoryResolver(),
        logger: recordingLogger(),
        invocationId: 'i',
      },
      [{ id: 'r1', request: () => new Request('https://fn.example/') }],
    );

    expect(settled?.outcome).toEqual({ kind: 'retry', error: boom });
    expect(settled?.response).toBeUndefined();
  });

  it('gives the handler the invocation, pipeline, function, logger and signal', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-10T10:00:00.000Z'));
    const contexts: HandlerContext[] = [];
    const remaining: number[] = [];
    const controller = new AbortController();
    const { run, logger } = setup({
      handler: (_event: MessageEvent, context: HandlerContext) => {
        contexts.push(context);
        remaining.push(context.remainingTimeMs());
        vi.setSystemTime(Date.now() + 1000);
        remaining.push(context.remainingTimeMs());
      },
    });
    await run([{ id: 'a' }, { id: 'b' }], {
      deadline: Date.now() + 30_000,
      signal: controller.signal,
    });

    expect(contexts[0]).toMatchObject({
      invocationId: 'inv-42',
      pipeline: 'etl',
      functionName: 'load',
      logger,
      signal: controller.signal,
    });
    expect(contexts[1]).toBe(contexts[0]);
    expect(remaining).toEqual([30_000, 29_000, 29_000, 28_000]);
  });

  it('gives a live signal and the function timeout when the platform sets neither', async () => {
    let context: HandlerContext | undefined;
    const { run } = setup({
      timeoutSeconds: 90,
      handler: (_event: MessageEvent, given: HandlerContext) => {
        context = given;
      },
    });
    await run([{ id: 'a' }]);

    expect(context?.signal.aborted).toBe(false);
    expect(context?.remainingTimeMs()).toBeLessThanOrEqual(90_000);
    expect(context?.remainingTimeMs()).toBeGreaterThan(89_000);
  });

  it('binds bucket and queue refs to the resolver while the handler runs, not after', async () => {
    const uploads = bucket('uploads');
    const totals = queue<{ bytes: number }>('totals');
    const resolver = createMemoryResolver();
    await resolver.store('uploads').put('in/a.csv', 'id,n\n1,2\n');
    const { run } = setup(
      {
        uses: [uploads, totals],
        handler: async () => {
          const text = await uploads.getText('in/a.csv');
          await totals.send({ bytes: text.length });
        },
      },
      resolver,
    );
    await run([{ id: 'a' }]);

    expect(resolver.sent('totals')).toEqual([{ bytes: 9 }]);
    expect(() => currentResolver()).toThrow(InvalidConfigError);
  });

  it('rejects when the adapter cannot decode the invocation, calling no handler', async () => {
    const handler = vi.fn();
    const { pipeline, fn, logger } = setup({ handler });
    const broken: Adapter<TestRecord[], TestOutput> = {
      ...testAdapter,
      decode: () => {
        throw new InvalidEventError('not a batch');
      },
    };
    const call = invoke({
      adapter: broken,
      pipeline,
      fn,
      input: [],
      resolver: createMemoryResolver(),
      logger,
      invocationId: 'inv',
    });

    await expect(call).rejects.toThrow(InvalidEventError);
    expect(handler).not.toHaveBeenCalled();
  });
});

describe('invoke: the abort signal', () => {
  it('aborts the handler signal shortly before the deadline', async () => {
    let aborted: boolean | undefined;
    const { run } = setup({
      handler: async (_event: MessageEvent, context: HandlerContext) => {
        await new Promise((done) => setTimeout(done, 700));
        aborted = context.signal.aborted;
      },
    });
    await run([{ id: 'slow', body: { n: 1 } }], { deadline: Date.now() + 600 });

    expect(aborted).toBe(true);
  });

  it('leaves the signal alone when the handler finishes in time', async () => {
    let aborted: boolean | undefined;
    const { run } = setup({
      handler: (_event: MessageEvent, context: HandlerContext) => {
        aborted = context.signal.aborted;
      },
    });
    await run([{ id: 'quick', body: { n: 1 } }], { deadline: Date.now() + 60_000 });

    expect(aborted).toBe(false);
  });
});

describe('invoke: the time left and failures of the whole invocation', () => {
  it('asks remainingTimeMs only when the handler wants to know, and then each time', async () => {
    let left = 20_000;
    const remainingTimeMs = vi.fn(() => left);
    const seen: number[] = [];
    const { pipeline, fn, logger, resolver } = setup({
      handler: (event: MessageEvent, context: HandlerContext) => {
        if (event.id === 'b') return;
        seen.push(context.remainingTimeMs());
        left -= 5_000;
        seen.push(context.remainingTimeMs());
      },
    });
    const common = { adapter: testAdapter, pipeline, fn, resolver, logger, invocationId: 'i' };
    await invoke({ ...common, input: [{ id: 'b' }], remainingTimeMs });

    expect(remainingTimeMs).not.toHaveBeenCalled();
    await invoke({ ...common, input: [{ id: 'a' }], remainingTimeMs, deadline: 0 });

    expect(seen).toEqual([20_000, 15_000]);
  });

  it('aborts the signal by remainingTimeMs when it is given', async () => {
    let aborted: boolean | undefined;
    const { pipeline, fn, logger, resolver } = setup({
      handler: (_event: MessageEvent, context: HandlerContext) => {
        aborted = context.signal.aborted;
      },
    });
    await invoke({
      adapter: testAdapter,
      pipeline,
      fn,
      input: [{ id: 'a' }],
      resolver,
      logger,
      invocationId: 'i',
      remainingTimeMs: () => 400,
    });

    expect(aborted).toBe(true);
  });

  it('answers with onFailure, given the invocation id, when input cannot be decoded', async () => {
    const handler = vi.fn();
    const { pipeline, fn, logger } = setup({ handler });
    const refusal = new InvalidEventError('not a batch');
    const broken: Adapter<TestRecord[], TestOutput> = {
      ...testAdapter,
      decode: () => {
        throw refusal;
      },
    };
    const onFailure = vi.fn(() => ({ failed: ['all'], settled: [] }));
    const output = await invoke({
      adapter: broken,
      pipeline,
      fn,
      input: [],
      resolver: createMemoryResolver(),
      logger,
      invocationId: 'inv-9',
      onFailure,
    });

    expect(output.failed).toEqual(['all']);
    expect(onFailure).toHaveBeenCalledWith(refusal, 'inv-9');
    expect(handler).not.toHaveBeenCalled();
  });

  it('rejects with what onFailure throws when encoding fails the invocation', async () => {
    const { pipeline, fn, logger } = setup({ handler: () => {} });
    const failing: Adapter<TestRecord[], TestOutput> = {
      ...testAdapter,
      encode: () => {
        throw new Error('retry them all');
      },
    };
    const call = invoke({
      adapter: failing,
      pipeline,
      fn,
      input: [{ id: 'a' }],
      resolver: createMemoryResolver(),
      logger,
      invocationId: 'inv-3',
      onFailure: (error) => {
        throw new Error(`wrapped: ${(error as Error).message}`);
      },
    });

    await expect(call).rejects.toThrow('wrapped: retry them all');
  });

  it('settles units of a synchronous and of an asynchronous handler the same way', async () => {
    const make = (async: boolean) =>
      setup({
        handler: (event: MessageEvent) => {
          if (event.id !== 'b') return async ? Promise.resolve() : undefined;
          if (async) return Promise.reject(new Error('no'));
          throw new Error('no');
        },
      });
    const input = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
    const sync = await make(false).run(input);
    const async = await make(true).run(input);

    expect(outcomes(sync)).toEqual({ a: 'processed', b: 'retry', c: 'processed' });
    expect(outcomes(async)).toEqual(outcomes(sync));
  });
});

describe('createInvoker', () => {
  it('runs invocations like invoke, the id and time read from the platform argument', async () => {
    const seen: Array<[string, number]> = [];
    const { pipeline, fn, logger, resolver } = setup({
      handler: (event: MessageEvent, context: HandlerContext) => {
        seen.push([context.invocationId, context.remainingTimeMs()]);
        if (event.id === 'b') throw new Error('no');
      },
    });
    const invoker = createInvoker({
      adapter: testAdapter,
      pipeline,
      fn,
      resolver,
      logger,
      invocation: (platform: { requestId: string }) => ({
        invocationId: platform.requestId,
        remainingTimeMs: () => 7_000,
      }),
    });
    const output = await invoker([{ id: 'a' }, { id: 'b' }], { requestId: 'req-1' });

    expect(outcomes(output)).toEqual({ a: 'processed', b: 'retry' });
    expect(seen).toEqual([
      ['req-1', 7_000],
      ['req-1', 7_000],
    ]);
    expect(invoker).toHaveLength(2);
  });

  it('puts one frame between its caller and the handler', async () => {
    let stack = '';
    const { pipeline, fn, logger, resolver } = setup({
      handler: function throwsHere() {
        stack = new Error('where').stack ?? '';
      },
    });
    const invoker = createInvoker({
      adapter: testAdapter,
      pipeline,
      fn,
      resolver,
      logger,
      invocation: () => ({ invocationId: 'i' }),
    });
    const callsTheInvoker = () => invoker([{ id: 'a' }], undefined);
    // As deployed: the function's resolver is the process default, so no scope is entered.
    setDefaultResolver(resolver);
    try {
      await callsTheInvoker();
    } finally {
      setDefaultResolver(undefined);
    }
    const frames = stack.split('\n').slice(1);
    const handlerAt = frames.findIndex((line) => line.includes('throwsHere'));
    const callerAt = frames.findIndex((line) => line.includes('callsTheInvoker'));

    expect(handlerAt).toBeGreaterThanOrEqual(0);
    expect(callerAt - handlerAt).toBe(2);
  });
});
