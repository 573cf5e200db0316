import { describe, expect, it } from 'vitest';
import { createCloudLogger, parseTrace, traceFields } from '../src/index.js';

describe('createCloudLogger', () => {
  it.each([
    ['debug', 'DEBUG'],
    ['info', 'INFO'],
    ['warn', 'WARNING'],
    ['error', 'ERROR'],
  ] as const)('writes %s as severity %s', (level, severity) => {
    const lines: string[] = [];
    createCloudLogger({ level: 'debug', write: (line) => lines.push(line) })[level]('hello', {
      key: 'a.csv',
    });

    expect(JSON.parse(lines[0] as string)).toMatchObject({
      severity,
      message: 'hello',
      key: 'a.csv',
    });
  });
});

describe('parseTrace', () => {
  it.each([
    [
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', sampled: true },
    ],
    [
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00',
      { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', sampled: false },
    ],
    [
      '105445aa7843bc8bf206b12000100000/1;o=1',
      { traceId: '105445aa7843bc8bf206b12000100000', spanId: '0000000000000001', sampled: true },
    ],
    ['00-00000000000000000000000000000000-b7ad6b7169203331-01', undefined],
    ['not a trace', undefined],
    [undefined, undefined],
  ])('reads %s', (header, expected) => {
    expect(parseTrace(header)).toEqual(expected);
  });
});

describe('traceFields', () => {
  const trace = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' };

  it('names the trace under its project, the form Cloud Logging links', () => {
    expect(traceFields(trace, 'acme-prod')).toEqual({
      'logging.googleapis.com/trace': 'projects/acme-prod/traces/0af7651916cd43dd8448eb211c80319c',
      'logging.googleapis.com/spanId': 'b7ad6b7169203331',
    });
  });

  it('falls back to the bare trace id without a project', () => {
    expect(traceFields({ traceId: trace.traceId }, undefined)).toEqual({
      'logging.googleapis.com/trace': trace.traceId,
    });
  });
});
