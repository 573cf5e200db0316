import {
  BINDING_PREFIX,
  type BindingKind,
  bindingEnvironment,
  bindingVariable,
  InvalidConfigError,
  readBindings,
} from '@cloudport/core';
import { afterEach, describe, expect, it, vi } from 'vitest';

describe('bindingVariable', () => {
  it.each<{ kind: BindingKind; name: string; variable: string }>([
    { kind: 'bucket', name: 'uploads', variable: 'CLOUDPORT_BUCKET_UPLOADS' },
    { kind: 'bucket', name: 'raw-uploads', variable: 'CLOUDPORT_BUCKET_RAW_UPLOADS' },
    { kind: 'queue', name: 'rows', variable: 'CLOUDPORT_QUEUE_ROWS' },
    { kind: 'queue', name: 'dlq-2-final', variable: 'CLOUDPORT_QUEUE_DLQ_2_FINAL' },
  ])('binds the $kind $name through $variable', ({ kind, name, variable }) => {
    expect(bindingVariable(kind, name)).toBe(variable);
    expect(variable.startsWith(BINDING_PREFIX)).toBe(true);
  });
});

describe('readBindings', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('gives the physical names, pipeline and function from the variables', () => {
    const bindings = readBindings({
      CLOUDPORT_PIPELINE: 'csv-etl',
      CLOUDPORT_FUNCTION: 'parse',
      CLOUDPORT_BUCKET_UPLOADS: 'acme-prod-uploads',
      CLOUDPORT_QUEUE_ROWS: 'https://sqs.eu-west-1.amazonaws.com/1/rows',
      HOME: '/root',
    });

    expect(bindings.pipeline).toBe('csv-etl');
    expect(bindings.functionName).toBe('parse');
    expect(bindings.physical('bucket', 'uploads')).toBe('acme-prod-uploads');
    expect(bindings.physical('queue', 'rows')).toBe('https://sqs.eu-west-1.amazonaws.com/1/rows');
    expect([...bindings.variables.keys()].sort()).toEqual([
      'CLOUDPORT_BUCKET_UPLOADS',
      'CLOUDPORT_FUNCTION',
      'CLOUDPORT_PIPELINE',
      'CLOUDPORT_QUEUE_ROWS',
    ]);
  });

  it('reads the environment once, not on every lookup', () => {
    let reads = 0;
    const env = new Proxy<Record<string, string>>(
      { CLOUDPORT_BUCKET_UPLOADS: 'phys-uploads' },
      {
        get(target, key) {
          reads++;
          return Reflect.get(target, key);
        },
        ownKeys(target) {
          reads++;
          return Reflect.ownKeys(target);
        },
      },
    );
    const bindings = readBindings(env);
    const readsAtStart = reads;
    env.CLOUDPORT_BUCKET_LATER = 'phys-later';
    for (let i = 0; i < 5; i++) bindings.physical('bucket', 'uploads');

    expect(reads).toBe(readsAtStart);
    expect(() => bindings.physical('bucket', 'later')).toThrow(InvalidConfigError);
  });

  it('reads process.env by default', () => {
    vi.stubEnv('CLOUDPORT_QUEUE_RESULTS', 'phys-results');

    expect(readBindings().physical('queue', 'results')).toBe('phys-results');
  });

  it.each([
    { what: 'missing', env: {} },
    { what: 'empty', env: { CLOUDPORT_QUEUE_RAW_ROWS: '' } },
  ])('names the variable to set when a binding is $what', ({ env }) => {
    const lookup = () => readBindings(env).physical('queue', 'raw-rows');

    expect(lookup).toThrow(InvalidConfigError);
    expect(lookup).toThrow('set CLOUDPORT_QUEUE_RAW_ROWS');
  });

  it('leaves pipeline and function undefined when they are not set', () => {
    const bindings = readBindings({});

    expect(bindings.pipeline).toBeUndefined();
    expect(bindings.functionName).toBeUndefined();
  });
});

describe('bindingEnvironment', () => {
  it('writes the variables that readBindings reads back', () => {
    const env = bindingEnvironment('csv-etl', {
      buckets: { uploads: 'acme-uploads', 'raw-data': 'acme-raw' },
      queues: { rows: 'acme-rows' },
    });
    const bindings = readBindings(env);

    expect(env).toEqual({
      CLOUDPORT_PIPELINE: 'csv-etl',
      CLOUDPORT_BUCKET_UPLOADS: 'acme-uploads',
      CLOUDPORT_BUCKET_RAW_DATA: 'acme-raw',
      CLOUDPORT_QUEUE_ROWS: 'acme-rows',
    });
    expect(bindings.pipeline).toBe('csv-etl');
    expect(bindings.physical('bucket', 'raw-data')).toBe('acme-raw');
    expect(bindings.physical('queue', 'rows')).toBe('acme-rows');
  });

  it('writes only the pipeline when there are no resources', () => {
    expect(bindingEnvironment('etl', {})).toEqual({ CLOUDPORT_PIPELINE: 'etl' });
  });
});
