import {
  InvalidConfigError,
  InvalidKeyError,
  ObjectNotFoundError,
  PreconditionFailedError,
  ProviderError,
} from '@cloudport/core';

/** The facts an error translation needs: where the call went and what it asked for. */
export interface StoreCall {
  bucket: string;
  container: string;
  key: string;
  /** The operation, in words, for messages: `get`, `put`, `copy to`, ... */
  action: string;
  /** True when the call carried a precondition, so that 404 means "no such version". */
  conditional?: boolean;
}

interface RestErrorLike {
  name?: string;
  statusCode?: number;
  code?: string;
  message?: string;
  /** HEAD responses have no body: their error code comes from the x-ms-error-code header. */
  details?: { errorCode?: string };
}

/** True when `error` looks like the `RestError` of the Azure core pipeline. */
export function isRestError(error: unknown): error is RestErrorLike & Error {
  return error instanceof Error && typeof (error as RestErrorLike).statusCode === 'number';
}

/** The storage error code of a REST error: its `code`, or the one implied by its status. */
export function errorCode(error: RestErrorLike): string {
  return error.code ?? error.details?.errorCode ?? `Status${error.statusCode}`;
}

// https://learn.microsoft.com/rest/api/storageservices/blob-service-error-codes
const PRECONDITION_CODES = new Set([
  'ConditionNotMet',
  'BlobAlreadyExists',
  'TargetConditionNotMet',
  'SourceConditionNotMet',
]);
const NAME_CODES = new Set(['InvalidResourceName', 'OutOfRangeInput', 'InvalidUri']);

/**
 * Translates an Azure Storage error into cloudport's typed errors, keeping it as `cause`:
 * missing blobs become `OBJECT_NOT_FOUND`, failed conditions `PRECONDITION_FAILED`, a range past
 * the end and a missing container `INVALID_CONFIG`, a name the service refuses `INVALID_KEY`,
 * and any other service answer `PROVIDER_ERROR`. Errors that are not service answers (aborts,
 * programming errors) are returned unchanged.
 */
export function toStoreError(error: unknown, call: StoreCall): unknown {
  if (!isRestError(error) || error.name === 'AbortError') return error;
  const options = { provider: 'azure', cause: error } as const;
  const code = errorCode(error);
  const where = `${JSON.stringify(call.key)} in container ${call.container}`;
  if (code === 'ContainerNotFound') {
    return new InvalidConfigError(
      `Container ${call.container} (bucket ${call.bucket}) does not exist; create it or fix ` +
        'the bucket binding.',
      options,
    );
  }
  if (PRECONDITION_CODES.has(code) || error.statusCode === 412) {
    return new PreconditionFailedError(call.bucket, call.key, preconditionDetail(code), options);
  }
  if (error.statusCode === 404 && call.conditional) {
    return new PreconditionFailedError(call.bucket, call.key, 'the object does not exist', options);
  }
  if (error.statusCode === 404) return new ObjectNotFoundError(call.bucket, call.key, options);
  if (code === 'InvalidRange' || error.statusCode === 416) {
    return new InvalidConfigError(
      `The range asked of ${where} starts at or past its end; read head() first to learn the size.`,
      options,
    );
  }
  if (NAME_CODES.has(code)) {
    return new InvalidKeyError(call.key, `Azure Blob Storage refused the name (${code}).`, options);
  }

  return new ProviderError(
    `Azure Blob Storage failed to ${call.action} ${where}: ${error.statusCode} ${code}.`,
    options,
  );
}

function preconditionDetail(code: string): string {
  if (code === 'BlobAlreadyExists') return 'an object already exists under this key (createOnly)';

  return 'the precondition failed: the object exists (createOnly) or its ETag changed (ifMatch)';
}
