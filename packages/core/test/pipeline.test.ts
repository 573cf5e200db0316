import {
  type BucketRef,
  bucket,
  type DeadLetterRecord,
  defineFunction,
  definePipeline,
  type FunctionOptions,
  InvalidConfigError,
  InvalidNameError,
  isPipeline,
  NAME_MAX_LENGTH,
  onHttp,
  onMessage,
  onObjectCreated,
  onSchedule,
  queue,
} from '@cloudport/core';
import { describe, expect, it } from 'vitest';

const noop = async () => {};
const respond = async () => new Response('ok');
const uploads = bucket('uploads');
const rows = queue<{ line: number }>('rows');

function ruleOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidNameError) return error.rule;
    throw error;
  }

  return undefined;
}

describe('definePipeline', () => {
  it('gives each function its name and default timeout and memory', () => {
    const pipeline = definePipeline('csv-etl', {
      parse: { trigger: onObjectCreated(uploads), handler: noop },
      load: { trigger: onMessage(rows), handler: noop, timeoutSeconds: 300, memoryMb: 1024 },
    });

    expect([...pipeline.functions.keys()]).toEqual(['parse', 'load']);
    expect(pipeline.functions.get('parse')).toMatchObject({
      name: 'parse',
      timeoutSeconds: 60,
      memoryMb: 512,
    });
    expect(pipeline.functions.get('load')).toMatchObject({ timeoutSeconds: 300, memoryMb: 1024 });
  });

  it.each([
    { what: 'pipeline', pipeline: 'CsvEtl', fn: 'parse', rule: 'start' },
    { what: 'pipeline', pipeline: 'goog-etl', fn: 'parse', rule: 'reserved-prefix' },
    { what: 'function', pipeline: 'csv-etl', fn: 'parse_csv', rule: 'charset' },
    { what: 'function', pipeline: 'csv-etl', fn: 'p', rule: 'length' },
  ])('rejects a bad $what name with rule $rule', ({ pipeline, fn, rule }) => {
    const define = () =>
      definePipeline(pipeline, { [fn]: { trigger: onHttp('GET'), handler: respond } });

    expect(ruleOf(define)).toBe(rule);
  });

  it('accepts the longest pipeline and function names, whose qualified name fits', () => {
    const longest = 'a'.repeat(NAME_MAX_LENGTH);
    const define = () =>
      definePipeline(longest, { [longest]: { trigger: onHttp('GET'), handler: respond } });

    expect(define).not.toThrow();
  });

  it('rejects a resource whose "<pipeline>-<name>" is over 63 characters', () => {
    // BucketRef refuses such names itself; a structural copy shows the pipeline checks too.
    const wide = { kind: 'bucket', name: 'b'.repeat(40) } as unknown as BucketRef;
    const define = () =>
      definePipeline('p'.repeat(25), {
        api: { trigger: onHttp('GET'), handler: respond, uses: [wide] },
      });

    expect(ruleOf(define)).toBe('qualified-length');
  });

  it('rejects a pipeline without functions', () => {
    expect(() => definePipeline('empty', {})).toThrow(InvalidConfigError);
    expect(() => definePipeline('empty', {})).toThrow('"empty"');
  });

  it.each([
    { what: 'no handler', options: { trigger: onHttp('GET') } },
    { what: 'a handler that is not a function', options: { trigger: onHttp('GET'), handler: 1 } },
    { what: 'no trigger', options: { handler: noop } },
    { what: 'nothing at all', options: undefined },
  ])('rejects a function with $what', ({ options }) => {
    const functions = { broken: options as unknown as FunctionOptions };

    expect(() => definePipeline('etl', functions)).toThrow(/"broken".*trigger and a handler/);
  });

  it.each([0, -5, 1.5, Number.NaN])('rejects timeoutSeconds %s', (timeoutSeconds) => {
    const functions = { api: { trigger: onHttp('GET'), handler: respond, timeoutSeconds } };

    expect(() => definePipeline('etl', functions)).toThrow(/timeoutSeconds/);
  });

  it('keeps the handler and options it was given', () => {
    const options = defineFunction({ trigger: onSchedule('1 hour'), handler: noop });
    const fn = definePipeline('etl', { tick: options }).functions.get('tick');

    expect(fn?.handler).toBe(noop);
    expect(fn?.trigger).toBe(options.trigger);
  });
});

describe('pipeline resources', () => {
  it('lists the buckets and queues of triggers, uses and dead-letter bindings once each', () => {
    const archive = bucket('archive');
    const totals = queue('totals');
    const failures = queue<DeadLetterRecord>('failures');
    const pipeline = definePipeline('csv-etl', {
      parse: {
        trigger: onObjectCreated(uploads, { suffix: '.csv' }),
        handler: noop,
        uses: [rows, archive],
        deadLetter: failures,
      },
      load: { trigger: onMessage(rows), handler: noop, uses: [totals], deadLetter: failures },
      api: { trigger: onHttp('GET', '/totals'), handler: respond, uses: [uploads] },
      tick: { trigger: onSchedule('0 2 * * *'), handler: noop },
    });
    const { buckets, queues } = pipeline.resources();

    expect([...buckets.keys()].sort()).toEqual(['archive', 'uploads']);
    expect([...queues.keys()].sort()).toEqual(['failures', 'rows', 'totals']);
    expect(buckets.get('uploads')).toBe(uploads);
    expect(queues.get('rows')).toBe(rows);
  });

  it('lists nothing for HTTP and schedule functions that use nothing', () => {
    const pipeline = definePipeline('etl', {
      api: { trigger: onHttp('GET'), handler: respond },
      tick: { trigger: onSchedule('5 minutes'), handler: noop },
    });

    expect(pipeline.resources().buckets.size).toBe(0);
    expect(pipeline.resources().queues.size).toBe(0);
  });

  it('accepts the same queue declared twice with the same body kind', () => {
    const again = queue('rows');
    const define = () =>
      definePipeline('etl', {
        load: { trigger: onMessage(rows), handler: noop },
        api: { trigger: onHttp('POST'), handler: respond, uses: [again] },
      });

    expect(define).not.toThrow();
  });

  it('rejects a queue declared twice with different body kinds, naming both', () => {
    const asText = queue('rows', { body: 'text' });
    const define = () =>
      definePipeline('etl', {
        load: { trigger: onMessage(rows), handler: noop },
        api: { trigger: onHttp('POST'), handler: respond, uses: [asText] },
      });

    expect(define).toThrow(InvalidConfigError);
    expect(define).toThrow(/"rows".*json and text/);
  });
});

describe('isPipeline', () => {
  it.each([
    {
      what: 'a defined pipeline',
      value: definePipeline('etl', { api: { trigger: onHttp('GET'), handler: respond } }),
      is: true,
    },
    { what: 'a plain record of functions', value: { name: 'etl', functions: {} }, is: false },
    { what: 'null', value: null, is: false },
    { what: 'a string', value: 'etl', is: false },
  ])('is $is for $what', ({ value, is }) => {
    expect(isPipeline(value)).toBe(is);
  });
});
