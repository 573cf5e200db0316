import {
  bucket,
  definePipeline,
  isCloudportError,
  onHttp,
  onMessage,
  onObjectCreated,
  onObjectDeleted,
  type QueueOptions,
  queue,
} from '@cloudport/core';
import { describe, expect, it } from 'vitest';

const uploads = bucket('uploads');
const rows = queue('rows');

function configError(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    expect(isCloudportError(error, 'INVALID_CONFIG'), String(error)).toBe(true);
    return error as Error;
  }
  throw new Error('expected INVALID_CONFIG');
}

describe('options are checked when a pipeline is declared', () => {
  it.each([
    {
      name: 'a misspelt object filter',
      run: () => onObjectCreated(uploads, { prefx: 'in/' } as never),
      message: /onObjectCreated filter has no option "prefx"; did you mean prefix\?/,
    },
    {
      name: 'a filter on a deleted trigger that is not a string',
      run: () => onObjectDeleted(uploads, { suffix: 3 } as never),
      message: /onObjectDeleted filter suffix is 3; it must be a string/,
    },
    {
      name: 'a queue trigger option in the wrong case',
      run: () => onMessage(rows, { batchsize: 5 } as never),
      message: /onMessage\(rows\) options has no option "batchsize"; did you mean batchSize\?/,
    },
    {
      name: 'a batch size of 0',
      run: () => onMessage(rows, { batchSize: 0 }),
      message: /onMessage\(rows\) batchSize is 0; it must be a whole number from 1 to 10000/,
    },
    {
      name: 'a fractional concurrency',
      run: () => onMessage(rows, { concurrency: 2.5 }),
      message: /concurrency is 2.5/,
    },
    {
      name: 'an HTTP method in lower case',
      run: () => onHttp('get' as never, '/'),
      message: /HTTP method "get" is not one of GET, POST/,
    },
    {
      name: 'an unknown HTTP method',
      run: () => onHttp('FOO' as never, '/'),
      message: /HTTP method "FOO"/,
    },
  ])('refuses $name', ({ run, message }) => {
    expect(configError(run).message).toMatch(message);
  });

  it.each<{ options: QueueOptions & Record<string, unknown>; message: RegExp }>([
    { options: { maxAttempts: 0 }, message: /maxAttempts is 0; it must be a whole number/ },
    { options: { maxAttempts: 2001 }, message: /from 1 to 2000/ },
    { options: { visibilityTimeoutSeconds: -5 }, message: /visibilityTimeoutSeconds is -5/ },
    { options: { visibilityTimeoutSeconds: 50_000 }, message: /at most 43200/ },
    { options: { body: 'xml' as never }, message: /body is "xml"; it must be one of json/ },
    { options: { retries: 3 }, message: /has no option "retries"/ },
  ])('refuses queue options $options', ({ options, message }) => {
    expect(configError(() => queue('orders', options as never)).message).toMatch(message);
  });

  it('accepts fractional visibility timeouts, which local tests use', () => {
    expect(queue('quick', { visibilityTimeoutSeconds: 0.2 }).visibilityTimeoutSeconds).toBe(0.2);
  });

  const handler = async () => {};

  it.each([
    { options: { timeoutSeconds: 100_000 }, message: /timeoutSeconds is 100000.*1 to 3600/ },
    { options: { timeoutSeconds: 0 }, message: /timeoutSeconds is 0/ },
    { options: { memoryMb: -1 }, message: /memoryMb is -1.*128 to 32768/ },
    { options: { timeout: 30 }, message: /has no option "timeout"; did you mean timeoutSeconds\?/ },
    { options: { uses: rows }, message: /uses must be an array/ },
    { options: { uses: ['rows'] }, message: /neither a bucket\(\) nor a queue\(\)/ },
    { options: { deadLetter: uploads }, message: /deadLetter must be a queue\(\)/ },
  ])('refuses function options $options', ({ options, message }) => {
    const declare = () =>
      definePipeline('shop', {
        count: { trigger: onMessage(rows), handler, ...options } as never,
      });

    expect(configError(declare).message).toMatch(message);
  });

  it('names the function and the pipeline in a function option error', () => {
    const declare = () =>
      definePipeline('shop', { count: { trigger: onMessage(rows), handler, memoryMb: 64 } });

    expect(configError(declare).message).toContain('Function "count" of pipeline "shop"');
  });
});
