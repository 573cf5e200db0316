import { type CloudportError, isCloudportError, ProviderError } from '@cloudport/core';

/** The fields of an AWS SDK v3 service exception the adapter reads. */
interface SdkErrorShape {
  name?: unknown;
  Code?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/** The error name the AWS SDK gave, such as `NoSuchKey`, or undefined for other errors. */
export function sdkErrorName(error: unknown): string | undefined {
  const shape = error as SdkErrorShape | null;
  if (typeof shape?.name === 'string' && shape.name !== 'Error') return shape.name;

  return typeof shape?.Code === 'string' ? shape.Code : undefined;
}

/** The HTTP status of the failed AWS call, when the SDK recorded one. */
export function sdkHttpStatus(error: unknown): number | undefined {
  const status = (error as SdkErrorShape | null)?.$metadata?.httpStatusCode;

  return typeof status === 'number' ? status : undefined;
}

/** True when the SDK error has one of the names or the HTTP status. */
export function isSdkError(error: unknown, names: readonly string[], status?: number): boolean {
  const name = sdkErrorName(error);
  if (name !== undefined && names.includes(name)) return true;

  return status !== undefined && sdkHttpStatus(error) === status;
}

/**
 * Wraps an error with no neutral meaning as `PROVIDER_ERROR` naming the failed action, with
 * the SDK error as `cause`; cloudport errors pass through unchanged.
 */
export function toProviderError(action: string, error: unknown): CloudportError {
  if (isCloudportError(error)) return error;
  const name = sdkErrorName(error) ?? (error as Error | null)?.name ?? 'Error';
  const status = sdkHttpStatus(error);
  const detail = error instanceof Error ? error.message : String(error);
  const where = status === undefined ? name : `${name}, HTTP ${status}`;

  return new ProviderError(`AWS failed to ${action} (${where}): ${detail}`, {
    provider: 'aws',
    cause: error,
  });
}
