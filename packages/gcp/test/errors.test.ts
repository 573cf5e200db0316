import { CloudportError, InvalidKeyError } from '@cloudport/core';
import { describe, expect, it } from 'vitest';
import { httpStatusOf, messageOf, toQueueError, toStoreError } from '../src/errors.js';

const failure = { bucket: 'uploads', key: 'in/a.csv', action: 'read' };

/** An error shaped like the ApiError @google-cloud/storage raises. */
function apiError(code: number, message = `HTTP ${code} from the service`) {
  return Object.assign(new Error(message), { code, errors: [{ reason: 'r', message }] });
}

/** An error shaped like the ServiceError @google-cloud/pubsub (gRPC) raises. */
function grpcError(code: number, message: string) {
  return Object.assign(new Error(`${code} ${message}`), { code, details: message, metadata: {} });
}

describe('toStoreError', () => {
  it.each([
    [404, 'OBJECT_NOT_FOUND', 'Object "in/a.csv" not found in uploads'],
    [412, 'PRECONDITION_FAILED', 'its generation (the ETag) changed'],
    [416, 'INVALID_CONFIG', 'The range asked of "in/a.csv" in uploads is outside the object'],
    [500, 'PROVIDER_ERROR', 'Cloud Storage failed to read "in/a.csv" in uploads (HTTP 500)'],
  ])('maps HTTP %i to %s, keeping the cause and provider', (status, code, text) => {
    const cause = apiError(status);
    const error = toStoreError(cause, failure);

    expect(error).toBeInstanceOf(CloudportError);
    expect(error).toMatchObject({ code, provider: 'gcp', cause });
    expect(error.message).toContain(text);
  });

  it.each([401, 403])('adds a credentials hint to HTTP %i', (status) => {
    const error = toStoreError(
      apiError(status, 'caller does not have storage.objects.get'),
      failure,
    );

    expect(error.code).toBe('PROVIDER_ERROR');
    expect(error.message).toContain(`(HTTP ${status}): caller does not have storage.objects.get.`);
    expect(error.message).toMatch(/Check the credentials and their roles\.$/);
  });

  it('gives no credentials hint to other failures', () => {
    expect(toStoreError(apiError(503), failure).message).not.toContain('credentials');
  });

  it('reads the status from response.status when there is no numeric code', () => {
    const cause = Object.assign(new Error('gone'), { code: 'E_GONE', response: { status: 404 } });

    expect(toStoreError(cause, failure)).toMatchObject({ code: 'OBJECT_NOT_FOUND', cause });
  });

  it('makes an error without any status PROVIDER_ERROR with the cause kept', () => {
    const cause = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const error = toStoreError(cause, failure);

    expect(error).toMatchObject({ code: 'PROVIDER_ERROR', provider: 'gcp', cause });
    expect(error.message).toBe(
      'Cloud Storage failed to read "in/a.csv" in uploads: socket hang up.',
    );
  });

  it('wraps a thrown non-error value too', () => {
    expect(toStoreError('boom', failure)).toMatchObject({ code: 'PROVIDER_ERROR', cause: 'boom' });
  });

  it('passes cloudport errors through unchanged', () => {
    const own = new InvalidKeyError('..', 'no dots', { provider: 'gcp' });

    expect(toStoreError(own, failure)).toBe(own);
  });
});

describe('toQueueError', () => {
  it('makes NOT_FOUND a configuration problem naming the queue, with the cause kept', () => {
    const cause = grpcError(5, 'Resource not found (resource=rows).');
    const error = toQueueError(cause, 'rows', 'publish');

    expect(error).toMatchObject({ code: 'INVALID_CONFIG', provider: 'gcp', cause });
    expect(error.message).toContain('Pub/Sub could not publish for queue "rows"');
    expect(error.message).toContain('CLOUDPORT_QUEUE_*');
  });

  it.each([
    [14, 'UNAVAILABLE', false],
    [7, 'PERMISSION_DENIED', true],
    [16, 'UNAUTHENTICATED', true],
  ])('makes gRPC code %i PROVIDER_ERROR naming %s', (code, name, hint) => {
    const cause = grpcError(code, 'the service said no');
    const error = toQueueError(cause, 'rows', 'pull');

    expect(error).toMatchObject({ code: 'PROVIDER_ERROR', provider: 'gcp', cause });
    expect(error.message).toContain(`Pub/Sub failed to pull for queue "rows" (${name})`);
    expect(error.message.includes('Check the credentials')).toBe(hint);
  });

  it('makes an unknown error PROVIDER_ERROR with the cause kept', () => {
    const cause = new TypeError('publisher closed');
    const error = toQueueError(cause, 'rows', 'publish');

    expect(error).toMatchObject({ code: 'PROVIDER_ERROR', provider: 'gcp', cause });
    expect(error.message).toBe('Pub/Sub failed to publish for queue "rows": publisher closed.');
  });

  it('passes cloudport errors through unchanged', () => {
    const own = new CloudportError('MESSAGE_TOO_LARGE', 'too big', { provider: 'gcp' });

    expect(toQueueError(own, 'rows', 'publish')).toBe(own);
  });
});

describe('httpStatusOf and messageOf', () => {
  it('finds a status in code, response.status or status, and ignores other numbers', () => {
    expect(httpStatusOf({ code: 412 })).toBe(412);
    expect(httpStatusOf({ code: 'x', response: { status: 503 } })).toBe(503);
    expect(httpStatusOf({ status: 401 })).toBe(401);
    expect(httpStatusOf({ code: 5 })).toBeUndefined();
    expect(httpStatusOf(undefined)).toBeUndefined();
  });

  it('keeps the first line of a message, without its final period', () => {
    expect(messageOf(new Error('First line.\nstack-like detail'))).toBe('First line');
    expect(messageOf('x'.repeat(400))).toHaveLength(300);
  });
});
