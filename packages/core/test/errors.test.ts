import {
  CloudportError,
  DeadLetterError,
  deadLetter,
  type ErrorCode,
  InvalidConfigError,
  InvalidEventError,
  InvalidKeyError,
  InvalidNameError,
  isCloudportError,
  MessageTooLargeError,
  ObjectNotFoundError,
  outcomeOfError,
  PreconditionFailedError,
  ProviderError,
  UnsupportedError,
} from '@cloudport/core';
import { describe, expect, it } from 'vitest';

const cause = new Error('socket hang up');
const options = { provider: 'aws', cause };

describe('error classes', () => {
  it.each<{ name: string; code: ErrorCode; make: () => CloudportError; fields: object }>([
    {
      name: 'InvalidEventError',
      code: 'INVALID_EVENT',
      make: () => new InvalidEventError('record has no body', options),
      fields: {},
    },
    {
      name: 'InvalidKeyError',
      code: 'INVALID_KEY',
      make: () => new InvalidKeyError('../etc/passwd', 'it leaves the bucket', options),
      fields: { key: '../etc/passwd' },
    },
    {
      name: 'InvalidConfigError',
      code: 'INVALID_CONFIG',
      make: () => new InvalidConfigError('set CLOUDPORT_QUEUE_ROWS', options),
      fields: {},
    },
    {
      name: 'ObjectNotFoundError',
      code: 'OBJECT_NOT_FOUND',
      make: () => new ObjectNotFoundError('uploads', 'a.csv', options),
      fields: { bucket: 'uploads', key: 'a.csv' },
    },
    {
      name: 'PreconditionFailedError',
      code: 'PRECONDITION_FAILED',
      make: () => new PreconditionFailedError('uploads', 'a.csv', 'it exists', options),
      fields: { bucket: 'uploads', key: 'a.csv' },
    },
    {
      name: 'MessageTooLargeError',
      code: 'MESSAGE_TOO_LARGE',
      make: () => new MessageTooLargeError('body is 2 MiB', 2_097_152, 1_048_576, options),
      fields: { size: 2_097_152, limit: 1_048_576 },
    },
    {
      name: 'UnsupportedError',
      code: 'UNSUPPORTED',
      make: () => new UnsupportedError('queue.delay', 'Pub/Sub cannot delay', options),
      fields: { feature: 'queue.delay' },
    },
    {
      name: 'ProviderError',
      code: 'PROVIDER_ERROR',
      make: () => new ProviderError('throttled', options),
      fields: {},
    },
    {
      name: 'DeadLetterError',
      code: 'DEAD_LETTER',
      make: () => new DeadLetterError('row has no id', options),
      fields: { reason: 'row has no id' },
    },
  ])('$name has code $code, keeps provider and cause', ({ name, code, make, fields }) => {
    const error = make();

    expect(error).toBeInstanceOf(CloudportError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
    expect(error.provider).toBe('aws');
    expect(error.cause).toBe(cause);
    expect(error).toMatchObject(fields);
    expect(isCloudportError(error, code)).toBe(true);
  });

  it('names the offending value in messages', () => {
    expect(new InvalidKeyError('../x', 'it leaves the bucket').message).toContain('"../x"');
    expect(new ObjectNotFoundError('uploads', 'a.csv').message).toContain('"a.csv"');
    expect(new UnsupportedError('queue.delay', 'no delay').message).toContain('queue.delay');
  });

  it('leaves provider and cause undefined when none is given', () => {
    const error = new InvalidConfigError('bad');

    expect(error.provider).toBeUndefined();
    expect(error.cause).toBeUndefined();
    expect('cause' in error).toBe(false);
  });

  it('carries the rule and value on InvalidNameError', () => {
    const error = new InvalidNameError('Rows', 'start', 'must start with a lowercase letter');

    expect(error).toMatchObject({ code: 'INVALID_NAME', value: 'Rows', rule: 'start' });
  });
});

describe('isCloudportError', () => {
  it.each([
    { what: 'a plain Error', value: new Error('x') },
    { what: 'a look-alike object', value: { name: 'CloudportError', code: 'INVALID_EVENT' } },
    { what: 'a string', value: 'INVALID_EVENT' },
    { what: 'undefined', value: undefined },
  ])('is false for $what', ({ value }) => {
    expect(isCloudportError(value)).toBe(false);
  });

  it('matches any code when none is given, and only that code when one is', () => {
    const error = new ObjectNotFoundError('uploads', 'a.csv');

    expect(isCloudportError(error)).toBe(true);
    expect(isCloudportError(error, 'OBJECT_NOT_FOUND')).toBe(true);
    expect(isCloudportError(error, 'INVALID_KEY')).toBe(false);
  });
});

describe('outcomes of errors', () => {
  it('deadLetter() throws a DeadLetterError with the reason and the cause', () => {
    let thrown: unknown;
    try {
      deadLetter('row 3 has no id', cause);
    } catch (error) {
      thrown = error;
    }

    expect(thrown).toBeInstanceOf(DeadLetterError);
    expect(thrown).toMatchObject({ code: 'DEAD_LETTER', reason: 'row 3 has no id', cause });
  });

  it.each([
    { what: 'a DeadLetterError', error: new DeadLetterError('poison'), kind: 'dead-letter' },
    { what: 'an INVALID_EVENT error', error: new InvalidEventError('bad'), kind: 'dead-letter' },
    { what: 'another cloudport error', error: new ProviderError('down', {}), kind: 'retry' },
    { what: 'a plain Error', error: new Error('flaky'), kind: 'retry' },
    { what: 'a thrown string', error: 'oops', kind: 'retry' },
  ])('classifies $what as $kind', ({ error, kind }) => {
    const outcome = outcomeOfError(error);

    expect(outcome.kind).toBe(kind);
    expect(outcome).toMatchObject({ error });
  });

  it('starts a dead-letter outcome unforwarded with the error message as its reason', () => {
    expect(outcomeOfError(new InvalidEventError('no body'))).toMatchObject({
      kind: 'dead-letter',
      reason: 'no body',
      forwarded: false,
    });
  });
});
