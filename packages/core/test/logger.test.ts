import {
  createJsonLogger,
  InvalidEventError,
  type JsonLoggerOptions,
  type LogFields,
  type Logger,
  type LogLevel,
  resolveLogger,
  silentLogger,
} from '@cloudport/core';
import { afterEach, describe, expect, it, vi } from 'vitest';

function capture(options: JsonLoggerOptions = {}) {
  const lines: string[] = [];
  const logger = createJsonLogger({ ...options, write: (line) => lines.push(line) });
  const parsed = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);

  return { logger, lines, parsed };
}

describe('createJsonLogger', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('writes one JSON object per line with time, level, message and fields', () => {
    const { logger, lines, parsed } = capture();
    logger.info('parsed file', { rows: 120, key: 'in/a.csv' });

    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    expect(parsed()[0]).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      level: 'info',
      message: 'parsed file',
      rows: 120,
      key: 'in/a.csv',
    });
  });

  it.each([
    { level: undefined, written: ['info', 'warn', 'error'] },
    { level: 'debug' as const, written: ['debug', 'info', 'warn', 'error'] },
    { level: 'warn' as const, written: ['warn', 'error'] },
    { level: 'error' as const, written: ['error'] },
  ])('writes only $written at level $level', ({ level, written }) => {
    const { logger, parsed } = capture(level ? { level } : {});
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');

    expect(parsed().map((line) => line.level)).toEqual(written);
  });

  it('adds base fields and child fields to every line, call fields winning', () => {
    const { logger, parsed } = capture({ fields: { service: 'etl' } });
    const child = logger.child({ invocationId: 'inv-1', step: 'parse' });
    child.child({ step: 'load' }).info('loaded', { rows: 3 });
    child.info('parsed', { step: 'override' });
    logger.info('root');

    expect(parsed()).toMatchObject([
      { service: 'etl', invocationId: 'inv-1', step: 'load', rows: 3 },
      { service: 'etl', invocationId: 'inv-1', step: 'override' },
      { service: 'etl', message: 'root' },
    ]);
    expect(parsed()[2]).not.toHaveProperty('invocationId');
  });

  it('spells the level as the platform wants, under the key it reads', () => {
    const severity = { debug: 'DEBUG', info: 'INFO', warn: 'WARNING', error: 'ERROR' } as const;
    const levelName = (level: LogLevel) => severity[level];
    const { logger, parsed } = capture({ levelKey: 'severity', levelName });
    logger.warn('slow');

    expect(parsed()[0]).toMatchObject({ severity: 'WARNING', message: 'slow' });
    expect(parsed()[0]).not.toHaveProperty('level');
  });

  it('serialises errors with name, message, code and stack, nested or not', () => {
    const { logger, parsed } = capture();
    const error = new InvalidEventError('no body');
    logger.error('failed', { error, nested: { errors: [new TypeError('bad')] } });
    const line = parsed()[0]!;

    expect(line.error).toEqual({
      name: 'InvalidEventError',
      message: 'no body',
      code: 'INVALID_EVENT',
      stack: error.stack,
    });
    expect(line.nested).toMatchObject({ errors: [{ name: 'TypeError', message: 'bad' }] });
  });

  it('writes to standard output with a newline by default', () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    createJsonLogger().info('hello');

    expect(write).toHaveBeenCalledTimes(1);
    const text = String(write.mock.calls[0]![0]);
    expect(text.endsWith('\n')).toBe(true);
    expect(JSON.parse(text)).toMatchObject({ level: 'info', message: 'hello' });
  });
});

describe('resolveLogger', () => {
  it('returns silence for false without calling the fallback', () => {
    const fallback = vi.fn(() => createJsonLogger());

    expect(resolveLogger(false, fallback)).toBe(silentLogger);
    expect(fallback).not.toHaveBeenCalled();
  });

  it('returns the injected logger as it is', () => {
    const injected: Logger = { ...silentLogger };
    const fallback = vi.fn(() => createJsonLogger());

    expect(resolveLogger(injected, fallback)).toBe(injected);
    expect(fallback).not.toHaveBeenCalled();
  });

  it('builds the fallback when nothing is given', () => {
    const made = createJsonLogger({ write: () => {} });

    expect(resolveLogger(undefined, () => made)).toBe(made);
  });
});

describe('silentLogger', () => {
  it('writes nothing and its children are silent too', () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const errors = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    silentLogger.error('nothing', { error: new Error('x') });
    silentLogger.child({ a: 1 }).warn('nothing');

    expect(silentLogger.child({ a: 1 })).toBe(silentLogger);
    expect(write).not.toHaveBeenCalled();
    expect(errors).not.toHaveBeenCalled();
    write.mockRestore();
    errors.mockRestore();
  });
});

describe('createJsonLogger: line keys win over fields', () => {
  it('keeps its own time, level and message when fields reuse those keys', () => {
    const lines: string[] = [];
    const logger = createJsonLogger({ write: (line) => lines.push(line) });
    logger.info('real', { message: 'fake', level: 'error' });
    expect(JSON.parse(lines[0]!)).toMatchObject({ message: 'real', level: 'info' });
  });
});

describe('createJsonLogger: lines are the same however the fields are written', () => {
  // The line as the logger defines it: base, fields, then time, level and message, with every
  // error (at any depth, after toJSON) as its name, message, code and stack.
  const reference = (base: LogFields, fields: LogFields, message: string) =>
    JSON.stringify(
      { ...base, ...fields, time: '2026-03-10T10:00:00.000Z', level: 'warn', message },
      (_key, value: unknown) =>
        value instanceof Error
          ? {
              name: value.name,
              message: value.message,
              code: (value as { code?: unknown }).code,
              stack: value.stack,
            }
          : value,
    );
  const coded = Object.assign(new Error('throttled'), { code: 'SlowDown' });
  const withObjectCode = Object.assign(new Error('odd'), { code: { http: 503 } });
  const withToJson = Object.assign(new Error('custom'), { toJSON: () => ({ custom: true }) });
  const cases: Array<[string, LogFields, LogFields]> = [
    ['primitives', { pipeline: 'etl' }, { n: 1, ok: true, none: null, gone: undefined }],
    ['an error', { pipeline: 'etl' }, { eventId: 'e-1', error: new InvalidEventError('bad') }],
    ['an error with a code', {}, { error: coded }],
    ['an error whose code is an object', {}, { error: withObjectCode }],
    ['an error with toJSON', {}, { error: withToJson }],
    ['nested errors', {}, { nested: { errors: [new TypeError('deep')] } }],
    ['a base holding an object', { tags: ['a', 'b'] }, { n: 2 }],
    ['numbers JSON cannot write', {}, { nan: Number.NaN, big: Number.POSITIVE_INFINITY }],
    ['functions and symbols', {}, { fn: () => 1, symbol: Symbol('s') }],
    ['keys of the line itself', { time: 'then' }, { message: 'fake', level: 'error' }],
    ['a field over a base key', { step: 'parse', error: 'none' }, { error: new Error('x') }],
    ['an own __proto__ key', { a: 1 }, JSON.parse('{"__proto__": "kept", "b": 2}')],
  ];

  afterEach(() => {
    vi.useRealTimers();
  });

  it.each(cases)('writes %s as the reference does', (_name, base, fields) => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-10T10:00:00.000Z'));
    const { logger, lines } = capture({ fields: base });
    logger.warn('handler failed', fields);
    logger.child({}).warn('handler failed', fields);
    logger.child(fields).warn('handler failed', fields);

    expect(lines).toEqual([
      reference(base, fields, 'handler failed'),
      reference(base, fields, 'handler failed'),
      reference({ ...base, ...fields }, fields, 'handler failed'),
    ]);
  });
});
