import {
  bucket,
  type HttpTrigger,
  InvalidConfigError,
  matchesFilter,
  matchesPath,
  type ObjectFilter,
  onHttp,
  onMessage,
  onObjectCreated,
  onObjectDeleted,
  onSchedule,
  queue,
} from '@cloudport/core';
import { describe, expect, it } from 'vitest';

const uploads = bucket('uploads');
const rows = queue('rows');

describe('object triggers', () => {
  it('fires on created or deleted objects of the bucket with the given filters', () => {
    expect(onObjectCreated(uploads, { prefix: 'in/', suffix: '.csv' })).toEqual({
      kind: 'object',
      event: 'created',
      bucket: uploads,
      prefix: 'in/',
      suffix: '.csv',
    });
    expect(onObjectDeleted(uploads)).toEqual({ kind: 'object', event: 'deleted', bucket: uploads });
  });

  it('drops empty filters, which would match every key anyway', () => {
    expect(onObjectCreated(uploads, { prefix: '', suffix: '' })).not.toHaveProperty('prefix');
    expect(onObjectCreated(uploads, { prefix: '', suffix: '' })).not.toHaveProperty('suffix');
  });

  it('rejects a filter that is not a string', () => {
    const filter = { suffix: 5 } as unknown as ObjectFilter;

    expect(() => onObjectCreated(uploads, filter)).toThrow(InvalidConfigError);
    expect(() => onObjectCreated(uploads, filter)).toThrow(/suffix/);
  });
});

describe('matchesFilter', () => {
  it.each<{ filter: ObjectFilter; key: string; matches: boolean }>([
    { filter: {}, key: 'anything/at/all', matches: true },
    { filter: { prefix: 'in/' }, key: 'in/a.csv', matches: true },
    { filter: { prefix: 'in/' }, key: 'out/in/a.csv', matches: false },
    { filter: { suffix: '.csv' }, key: 'in/a.csv', matches: true },
    { filter: { suffix: '.csv' }, key: 'in/a.csv.gz', matches: false },
    { filter: { prefix: 'in/', suffix: '.csv' }, key: 'in/a.csv', matches: true },
    { filter: { prefix: 'in/', suffix: '.csv' }, key: 'in/a.json', matches: false },
    { filter: { prefix: 'in/', suffix: '.csv' }, key: 'out/a.csv', matches: false },
    { filter: { prefix: 'In/' }, key: 'in/a.csv', matches: false },
  ])('$filter on $key -> $matches', ({ filter, key, matches }) => {
    expect(matchesFilter(filter, key)).toBe(matches);
  });
});

describe('onMessage', () => {
  it('defaults to batches of 10 and 4 concurrent invocations', () => {
    expect(onMessage(rows)).toEqual({ kind: 'queue', queue: rows, batchSize: 10, concurrency: 4 });
  });

  it('accepts the bounds of batchSize and concurrency', () => {
    expect(onMessage(rows, { batchSize: 1, concurrency: 1 })).toMatchObject({
      batchSize: 1,
      concurrency: 1,
    });
    expect(onMessage(rows, { batchSize: 10_000, concurrency: 1000 })).toMatchObject({
      batchSize: 10_000,
      concurrency: 1000,
    });
  });

  it.each([
    { option: 'batchSize', value: 0 },
    { option: 'batchSize', value: 10_001 },
    { option: 'batchSize', value: 2.5 },
    { option: 'batchSize', value: Number.NaN },
    { option: 'concurrency', value: 0 },
    { option: 'concurrency', value: 1001 },
    { option: 'concurrency', value: -1 },
  ])('rejects $option $value, naming the option', ({ option, value }) => {
    const create = () => onMessage(rows, { [option]: value });

    expect(create).toThrow(InvalidConfigError);
    expect(create).toThrow(option);
  });
});

describe('onHttp', () => {
  it('answers on / by default', () => {
    expect(onHttp('GET')).toEqual({ kind: 'http', method: 'GET', path: '/' });
  });

  it.each(['users', '', 'https://example.com/users'])('rejects the path %j', (path) => {
    expect(() => onHttp('POST', path)).toThrow(InvalidConfigError);
    expect(() => onHttp('POST', path)).toThrow(JSON.stringify(path));
  });
});

describe('matchesPath', () => {
  it.each([
    { path: '/', pathname: '/', matches: true },
    { path: '/', pathname: '/users', matches: false },
    { path: '/users', pathname: '/users', matches: true },
    { path: '/users', pathname: '/users/', matches: true },
    { path: '/users', pathname: '/users/7', matches: false },
    { path: '/users', pathname: '/user', matches: false },
    { path: '/files/*', pathname: '/files/a/b.csv', matches: true },
    { path: '/files/*', pathname: '/files/', matches: true },
    { path: '/files/*', pathname: '/other/a.csv', matches: false },
    { path: '/*', pathname: '/anything', matches: true },
  ])('$path on $pathname -> $matches', ({ path, pathname, matches }) => {
    const trigger: HttpTrigger = { kind: 'http', method: 'GET', path };

    expect(matchesPath(trigger, pathname)).toBe(matches);
  });
});

describe('onSchedule', () => {
  it('parses the expression into the trigger', () => {
    expect(onSchedule('15 minutes')).toEqual({
      kind: 'schedule',
      schedule: { kind: 'rate', expression: '15 minutes', value: 15, unit: 'minute', seconds: 900 },
    });
  });

  it('rejects an expression that is not portable', () => {
    expect(() => onSchedule('0 0 ? * MON')).toThrow(InvalidConfigError);
  });
});
