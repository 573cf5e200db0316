import {
  CopyObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  NotFound,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { createS3Store } from '../src/storage/s3.js';
import { type S3Failure, toStoreError } from '../src/storage/s3-errors.js';

// Errors shaped as the SDK raises them for S3's answers; moto ignores copy preconditions, so
// these are the only way to hold the mapping of a conditional copy to account.
const noSuchKey = () =>
  new NoSuchKey({
    message: 'The specified key does not exist.',
    $metadata: { httpStatusCode: 404 },
  });
const headNotFound = () =>
  new NotFound({ message: 'UnknownError', $metadata: { httpStatusCode: 404 } });
/** An S3 client-fault answer as the SDK raises it: its error code, HTTP status and text. */
const s3Error = (name: string, status: number, message: string) =>
  new S3ServiceException({
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: status },
    message,
  });
const preconditionFailed = () =>
  s3Error(
    'PreconditionFailed',
    412,
    'At least one of the pre-conditions you specified did not hold',
  );

const names = { bucket: 'uploads', physicalName: 'acme-uploads' };
const copy = (extra: Partial<S3Failure>): S3Failure => ({
  ...names,
  action: 'copy',
  key: 'target.txt',
  sourceKey: 'source.txt',
  ...extra,
});

describe('S3 errors become the core errors', () => {
  const cases: Array<{
    name: string;
    error: Error;
    failure: S3Failure;
    code: string;
    key: string;
  }> = [
    {
      name: 'an ifMatch copy whose source exists blames the missing target',
      error: noSuchKey(),
      failure: copy({ precondition: 'ifMatch', sourceExists: true }),
      code: 'PRECONDITION_FAILED',
      key: 'target.txt',
    },
    {
      name: 'an ifMatch copy whose source is gone names the source',
      error: noSuchKey(),
      failure: copy({ precondition: 'ifMatch', sourceExists: false }),
      code: 'OBJECT_NOT_FOUND',
      key: 'source.txt',
    },
    {
      name: 'an ifMatch copy onto a changed target is a failed precondition',
      error: preconditionFailed(),
      failure: copy({ precondition: 'ifMatch', sourceExists: true }),
      code: 'PRECONDITION_FAILED',
      key: 'target.txt',
    },
    {
      name: 'a createOnly copy onto an existing target is a failed precondition',
      error: preconditionFailed(),
      failure: copy({ precondition: 'createOnly' }),
      code: 'PRECONDITION_FAILED',
      key: 'target.txt',
    },
    {
      name: 'a createOnly copy of a missing source names the source',
      error: noSuchKey(),
      failure: copy({ precondition: 'createOnly' }),
      code: 'OBJECT_NOT_FOUND',
      key: 'source.txt',
    },
    {
      name: 'a plain copy of a missing source names the source',
      error: noSuchKey(),
      failure: copy({}),
      code: 'OBJECT_NOT_FOUND',
      key: 'source.txt',
    },
    {
      name: 'an ifMatch put onto a missing key is a failed precondition',
      error: noSuchKey(),
      failure: { ...names, action: 'write', key: 'a.txt', precondition: 'ifMatch' },
      code: 'PRECONDITION_FAILED',
      key: 'a.txt',
    },
    {
      name: 'a head of a missing key (a bare 404) is not found',
      error: headNotFound(),
      failure: { ...names, action: 'head', key: 'a.txt' },
      code: 'OBJECT_NOT_FOUND',
      key: 'a.txt',
    },
  ];

  for (const { name, error, failure, code, key } of cases) {
    it(name, () => {
      const mapped = toStoreError(error, failure);
      expect(mapped).toMatchObject({ code, key, bucket: 'uploads', provider: 'aws' });
      expect(mapped.cause).toBe(error);
    });
  }
});

describe('S3 answers that are not what their status suggests', () => {
  const conflict = () =>
    s3Error(
      'ConditionalRequestConflict',
      409,
      'A conflicting conditional operation is currently in progress against this resource.',
    );
  const noSuchUpload = () => s3Error('NoSuchUpload', 404, 'The specified upload does not exist.');
  const write = (precondition?: 'createOnly' | 'ifMatch'): S3Failure => ({
    ...names,
    action: 'write',
    key: 'partials/0001.json',
    precondition,
  });

  it.each(['createOnly', 'ifMatch'] as const)(
    'a 409 conflict on a %s write is a provider error to retry, not a failed precondition',
    (precondition) => {
      const error = conflict();

      const mapped = toStoreError(error, write(precondition));

      expect(mapped).toMatchObject({ code: 'PROVIDER_ERROR', provider: 'aws' });
      expect(mapped.message).toContain('"partials/0001.json"');
      expect(mapped.message).toContain('retry the write');
      expect(mapped.cause).toBe(error);
    },
  );

  it('a multipart upload aborted under a write (NoSuchUpload) is no missing object', () => {
    const error = noSuchUpload();

    const mapped = toStoreError(error, write());

    expect(mapped).toMatchObject({ code: 'PROVIDER_ERROR', provider: 'aws' });
    expect(mapped.cause).toBe(error);
  });

  it('a bare 404 counts as a missing object for a head only', () => {
    const bare = () => s3Error('UnknownError', 404, 'UnknownError');

    expect(toStoreError(bare(), { ...names, action: 'head', key: 'a' })).toMatchObject({
      code: 'OBJECT_NOT_FOUND',
    });
    expect(toStoreError(bare(), { ...names, action: 'read', key: 'a' })).toMatchObject({
      code: 'PROVIDER_ERROR',
    });
  });
});

describe('a copy of a source over 5 GB', () => {
  it('is UNSUPPORTED for store.copy, naming the source and the way around it', () => {
    const error = s3Error(
      'InvalidRequest',
      400,
      'The specified copy source is larger than the maximum allowable size for a copy ' +
        'source: 5368709120',
    );

    const mapped = toStoreError(error, copy({}));

    expect(mapped).toMatchObject({ code: 'UNSUPPORTED', feature: 'store.copy', provider: 'aws' });
    expect(mapped.message).toContain('"source.txt"');
    expect(mapped.message).toContain('get() into put()');
    expect(mapped.cause).toBe(error);
  });

  it('leaves other invalid requests a provider error', () => {
    const error = s3Error('InvalidRequest', 400, 'This copy request is illegal');

    expect(toStoreError(error, copy({}))).toMatchObject({ code: 'PROVIDER_ERROR' });
  });
});

/** A client that answers CopyObject and HeadObject as told and records what it was sent. */
function stubClient(answers: { copy: () => unknown; head: () => unknown }) {
  const sent: Array<{ command: string; key: string | undefined }> = [];
  const client = {
    send: async (command: { input: { Key?: string } }) => {
      sent.push({ command: command.constructor.name, key: command.input.Key });
      if (command instanceof CopyObjectCommand) return answers.copy();
      if (command instanceof HeadObjectCommand) return answers.head();
      throw new Error(`unexpected ${command.constructor.name}`);
    },
  } as unknown as S3Client;

  return { client, sent };
}

const fail = (make: () => Error) => () => {
  throw make();
};

describe('a conditional copy that S3 answers with 404', () => {
  it('heads the source and, finding it, raises PRECONDITION_FAILED for the target', async () => {
    const { client, sent } = stubClient({ copy: fail(noSuchKey), head: () => ({ ETag: '"1"' }) });
    const store = createS3Store({ bucket: 'uploads', client });

    const error = await store
      .copy('source.txt', 'target.txt', { ifMatch: '"abc"' })
      .catch((failure: unknown) => failure);

    expect(error).toMatchObject({ code: 'PRECONDITION_FAILED', key: 'target.txt' });
    expect((error as Error).message).toContain('ifMatch');
    expect(sent).toEqual([
      { command: 'CopyObjectCommand', key: 'target.txt' },
      { command: 'HeadObjectCommand', key: 'source.txt' },
    ]);
  });

  it('heads the source and, missing it, raises OBJECT_NOT_FOUND naming the source', async () => {
    const { client } = stubClient({ copy: fail(noSuchKey), head: fail(headNotFound) });
    const store = createS3Store({ bucket: 'uploads', client });

    const error = await store
      .copy('source.txt', 'target.txt', { ifMatch: '"abc"' })
      .catch((failure: unknown) => failure);

    expect(error).toMatchObject({ code: 'OBJECT_NOT_FOUND', key: 'source.txt' });
  });

  it('sends no head for a copy without ifMatch', async () => {
    const { client, sent } = stubClient({ copy: fail(noSuchKey), head: () => ({}) });
    const store = createS3Store({ bucket: 'uploads', client });

    const error = await store.copy('source.txt', 'target.txt').catch((failure: unknown) => failure);

    expect(error).toMatchObject({ code: 'OBJECT_NOT_FOUND', key: 'source.txt' });
    expect(sent.map((entry) => entry.command)).toEqual(['CopyObjectCommand']);
  });
});
