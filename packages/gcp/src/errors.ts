import {
  CloudportError,
  InvalidConfigError,
  ObjectNotFoundError,
  PreconditionFailedError,
  ProviderError,
} from '@cloudport/core';

/** The `provider` of every error this package raises. */
export const PROVIDER = 'gcp';

// gRPC status codes as @google-cloud/pubsub reports them in `code`.
const GRPC_NAMES: Record<number, string> = {
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  9: 'FAILED_PRECONDITION',
  14: 'UNAVAILABLE',
  16: 'UNAUTHENTICATED',
};

/** The HTTP status a Cloud Storage client error carries (`code` or `response.status`). */
export function httpStatusOf(error: unknown): number | undefined {
  const candidate = error as { code?: unknown; status?: unknown; response?: { status?: unknown } };
  for (const value of [candidate?.code, candidate?.response?.status, candidate?.status]) {
    if (typeof value === 'number' && value >= 100 && value < 600) return value;
  }

  return undefined;
}

/** What a Cloud Storage call was doing, for the translated error's message. */
export interface StoreFailure {
  /** The bucket's logical name. */
  bucket: string;
  key: string;
  action: string;
}

/**
 * Translates an error from @google-cloud/storage into core's typed errors: 404 becomes
 * `OBJECT_NOT_FOUND`, 412 `PRECONDITION_FAILED`, 416 `INVALID_CONFIG`; anything else is a
 * `PROVIDER_ERROR`. The original error stays as `cause`; cloudport errors pass unchanged.
 */
export function toStoreError(error: unknown, failure: StoreFailure): CloudportError {
  if (error instanceof CloudportError) return error;
  const { bucket, key, action } = failure;
  const options = { provider: PROVIDER, cause: error };
  const status = httpStatusOf(error);
  if (status === 404) return new ObjectNotFoundError(bucket, key, options);
  if (status === 412) {
    return new PreconditionFailedError(
      bucket,
      key,
      'the object exists, or its generation (the ETag) changed since it was read.',
      options,
    );
  }
  if (status === 416) {
    return new InvalidConfigError(
      `The range asked of ${JSON.stringify(key)} in ${bucket} is outside the object.`,
      options,
    );
  }
  const hint = status === 401 || status === 403 ? ' Check the credentials and their roles.' : '';

  return new ProviderError(
    `Cloud Storage failed to ${action} ${JSON.stringify(key)} in ${bucket}` +
      `${status === undefined ? '' : ` (HTTP ${status})`}: ${messageOf(error)}.${hint}`,
    options,
  );
}

/**
 * Translates an error from @google-cloud/pubsub into `PROVIDER_ERROR` (or `INVALID_CONFIG`
 * for a topic or subscription that does not exist), keeping it as `cause`; cloudport errors
 * pass unchanged.
 */
export function toQueueError(error: unknown, queue: string, action: string): CloudportError {
  if (error instanceof CloudportError) return error;
  const options = { provider: PROVIDER, cause: error };
  const code = (error as { code?: unknown } | null)?.code;
  const name = typeof code === 'number' ? GRPC_NAMES[code] : undefined;
  if (name === 'NOT_FOUND') {
    return new InvalidConfigError(
      `Pub/Sub could not ${action} for queue ${JSON.stringify(queue)}: ${messageOf(error)}. ` +
        'Create the topic (and subscription), or fix the CLOUDPORT_QUEUE_* binding.',
      options,
    );
  }

  const denied = name === 'PERMISSION_DENIED' || name === 'UNAUTHENTICATED';
  const hint = denied ? ' Check the credentials and their roles.' : '';

  return new ProviderError(
    `Pub/Sub failed to ${action} for queue ${JSON.stringify(queue)}` +
      `${name ? ` (${name})` : ''}: ${messageOf(error)}.${hint}`,
    options,
  );
}

/** The first line of an error's message, without a trailing period. */
export function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);

  return (text.split('\n')[0] ?? '').replace(/\.$/, '').slice(0, 300);
}
