import {
  type CloudportError,
  InvalidConfigError,
  isCloudportError,
  ObjectNotFoundError,
  PreconditionFailedError,
  ProviderError,
  UnsupportedError,
} from '@cloudport/core';
import { isSdkError, toProviderError } from '../errors.js';

/** What a failed S3 call was doing, for the neutral error it becomes. */
export interface S3Failure {
  /** Such as `read`, `write` or `copy`. */
  action: string;
  /** The logical bucket. */
  bucket: string;
  /** The physical bucket, named in configuration errors. */
  physicalName: string;
  key: string;
  /** The source of a copy, named when it is missing. */
  sourceKey?: string;
  /**
   * Whether the source of a failed copy was found afterwards; a 404 on an ifMatch copy then
   * means the target is missing.
   */
  sourceExists?: boolean;
  /** The precondition the call carried. */
  precondition?: 'createOnly' | 'ifMatch';
}

const NOT_FOUND = ['NoSuchKey', 'NotFound'];
const NOT_FOUND_STATUS = 404;
const PRECONDITION = ['PreconditionFailed'];
const PRECONDITION_STATUS = 412;
const CONFLICT = ['ConditionalRequestConflict'];
const CONFLICT_STATUS = 409;

/**
 * Translates an S3 SDK error into the core's errors at the store's boundary, keeping the SDK
 * error as `cause`: a missing key becomes `OBJECT_NOT_FOUND` (or `PRECONDITION_FAILED` when an
 * ifMatch write or copy finds no target to match), a 412 `PRECONDITION_FAILED`, 416 an
 * `INVALID_CONFIG` range, a missing bucket `INVALID_CONFIG`, and anything else
 * `PROVIDER_ERROR`. Cloudport errors pass through unchanged.
 *
 * A 409 on a conditional write is not a failed precondition: S3 answers so when another
 * operation on the key ran at the same time, and the write is to be tried again. It stays a
 * `PROVIDER_ERROR` (a handler that lets it through is retried) whose message says so. Other
 * 404s than a missing key (`NoSuchUpload` when a multipart upload was aborted under a write)
 * are provider errors too.
 */
// https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
export function toStoreError(error: unknown, failure: S3Failure): CloudportError | Error {
  const { bucket, key, precondition } = failure;
  const options = { provider: 'aws', cause: error } as const;
  if (isAbort(error) || isCloudportError(error)) return error as Error;
  if (isSdkError(error, ['NoSuchBucket'])) {
    return new InvalidConfigError(
      `The S3 bucket ${failure.physicalName} bound to ${bucket} does not exist; create it or ` +
        'fix its binding.',
      options,
    );
  }
  if (isNotFound(error, failure.action)) {
    if (precondition === 'ifMatch' && isTargetMissing(failure)) {
      return new PreconditionFailedError(
        bucket,
        key,
        'no object exists to match ifMatch.',
        options,
      );
    }
    return new ObjectNotFoundError(bucket, failure.sourceKey ?? key, options);
  }
  if (precondition && isSdkError(error, CONFLICT, CONFLICT_STATUS)) {
    return new ProviderError(
      `S3 refused the ${precondition} ${failure.action} of ${JSON.stringify(key)} in ${bucket} ` +
        'with 409 ConditionalRequestConflict: another operation on the key ran at the same ' +
        'time. The precondition was not found false; retry the write.',
      options,
    );
  }
  if (isSdkError(error, PRECONDITION, PRECONDITION_STATUS)) {
    const detail =
      precondition === 'createOnly'
        ? 'an object already exists under the key (createOnly).'
        : 'the object changed since the ETag given as ifMatch.';
    return new PreconditionFailedError(bucket, key, detail, options);
  }
  if (failure.action === 'copy' && isCopyTooLarge(error)) {
    return new UnsupportedError(
      'store.copy',
      `${JSON.stringify(failure.sourceKey)} in ${bucket} is over the 5 GB that one S3 ` +
        'CopyObject takes; stream it with get() into put() instead, which uploads in parts.',
      options,
    );
  }
  if (isSdkError(error, ['InvalidRange'], 416)) {
    return new InvalidConfigError(
      `The range asked of ${JSON.stringify(key)} in ${bucket} starts at or past its last byte; ` +
        'read head() first to learn the size.',
      options,
    );
  }

  return toProviderError(`${failure.action} ${JSON.stringify(key)} in ${bucket}`, error);
}

/**
 * True for S3's answer to a missing key: `NoSuchKey` or `NotFound`, or, for a head (HeadObject
 * answers with no body to name the error), any 404.
 */
export function isNotFound(error: unknown, action: string): boolean {
  if (isSdkError(error, NOT_FOUND)) return true;

  return action === 'head' && isSdkError(error, [], NOT_FOUND_STATUS);
}

/**
 * S3 answers a missing copy source and a missing ifMatch target alike, with 404 `NoSuchKey`,
 * so an ifMatch copy blames its target only once the source was found to exist.
 */
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
function isTargetMissing(failure: S3Failure): boolean {
  return failure.sourceKey === undefined || failure.sourceExists === true;
}

function isAbort(error: unknown): boolean {
  const name = (error as Error | null)?.name;

  return name === 'AbortError' || name === 'TimeoutError';
}

// CopyObject refuses a source over 5 GB with 400 InvalidRequest, naming the copy source size.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
function isCopyTooLarge(error: unknown): boolean {
  if (!isSdkError(error, ['InvalidRequest'])) return false;

  return /copy source is larger than the maximum/i.test((error as Error).message ?? '');
}
