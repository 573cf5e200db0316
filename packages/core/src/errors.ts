/** Stable codes carried by every cloudport error; they never change meaning between releases. */
export type ErrorCode =
  | 'INVALID_EVENT'
  | 'INVALID_KEY'
  | 'INVALID_CONFIG'
  | 'INVALID_NAME'
  | 'OBJECT_NOT_FOUND'
  | 'PRECONDITION_FAILED'
  | 'MESSAGE_TOO_LARGE'
  | 'INVALID_MESSAGE'
  | 'UNSUPPORTED'
  | 'DEAD_LETTER'
  | 'PROVIDER_ERROR';

/** Providers an error can come from; custom adapters may use their own name. */
export type ProviderName = 'local' | 'aws' | 'gcp' | 'azure' | (string & {});

/** Options shared by every cloudport error. */
export interface CloudportErrorOptions {
  provider?: ProviderName;
  cause?: unknown;
}

/**
 * Base class of every error cloudport raises, with a stable `code` to branch on.
 *
 * @example
 * try { await uploads.head(key); } catch (error) {
 *   if (isCloudportError(error, 'OBJECT_NOT_FOUND')) return;
 *   throw error;
 * }
 */
export class CloudportError extends Error {
  readonly code: ErrorCode;
  readonly provider: ProviderName | undefined;

  constructor(code: ErrorCode, message: string, options: CloudportErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CloudportError';
    this.code = code;
    this.provider = options.provider;
  }
}

/** A platform event or event file that does not have the shape its trigger expects. */
export class InvalidEventError extends CloudportError {
  constructor(message: string, options?: CloudportErrorOptions) {
    super('INVALID_EVENT', message, options);
    this.name = 'InvalidEventError';
  }
}

/** An object key that could escape a store's root or that no provider accepts. */
export class InvalidKeyError extends CloudportError {
  readonly key: string;

  constructor(key: string, reason: string, options?: CloudportErrorOptions) {
    super('INVALID_KEY', `Object key ${JSON.stringify(key)} is not allowed: ${reason}`, options);
    this.name = 'InvalidKeyError';
    this.key = key;
  }
}

/** Configuration that cannot work: a bad option, a missing binding, an invalid schedule. */
export class InvalidConfigError extends CloudportError {
  constructor(message: string, options?: CloudportErrorOptions) {
    super('INVALID_CONFIG', message, options);
    this.name = 'InvalidConfigError';
  }
}

/** A pipeline, function, bucket or queue name that breaks the portable name grammar. */
export class InvalidNameError extends CloudportError {
  readonly value: string;
  readonly rule: string;

  constructor(value: string, rule: string, message: string) {
    super('INVALID_NAME', message);
    this.name = 'InvalidNameError';
    this.value = value;
    this.rule = rule;
  }
}

/** The object does not exist in the store. */
export class ObjectNotFoundError extends CloudportError {
  readonly bucket: string;
  readonly key: string;

  constructor(bucket: string, key: string, options?: CloudportErrorOptions) {
    super('OBJECT_NOT_FOUND', `Object ${JSON.stringify(key)} not found in ${bucket}.`, options);
    this.name = 'ObjectNotFoundError';
    this.bucket = bucket;
    this.key = key;
  }
}

/** A create-only or if-match write lost: the object exists, or its ETag changed. */
export class PreconditionFailedError extends CloudportError {
  readonly bucket: string;
  readonly key: string;

  constructor(bucket: string, key: string, detail: string, options?: CloudportErrorOptions) {
    super(
      'PRECONDITION_FAILED',
      `Write to ${JSON.stringify(key)} in ${bucket}: ${detail}`,
      options,
    );
    this.name = 'PreconditionFailedError';
    this.bucket = bucket;
    this.key = key;
  }
}

/** A message, attribute set or batch over the limits of the queue's provider. */
export class MessageTooLargeError extends CloudportError {
  readonly size: number;
  readonly limit: number;

  constructor(message: string, size: number, limit: number, options?: CloudportErrorOptions) {
    super('MESSAGE_TOO_LARGE', message, options);
    this.name = 'MessageTooLargeError';
    this.size = size;
    this.limit = limit;
  }
}

/** A message body or send option that the queue cannot carry, such as a string on a bytes queue. */
export class InvalidMessageError extends CloudportError {
  constructor(message: string, options?: CloudportErrorOptions) {
    super('INVALID_MESSAGE', message, options);
    this.name = 'InvalidMessageError';
  }
}

/** A feature this store, queue or adapter does not offer; see the capability table. */
export class UnsupportedError extends CloudportError {
  readonly feature: string;

  constructor(feature: string, detail: string, options?: CloudportErrorOptions) {
    super('UNSUPPORTED', `${feature} is not supported: ${detail}`, options);
    this.name = 'UnsupportedError';
    this.feature = feature;
  }
}

/** A provider failure that has no neutral meaning; the provider's error is the `cause`. */
export class ProviderError extends CloudportError {
  constructor(message: string, options: CloudportErrorOptions) {
    super('PROVIDER_ERROR', message, options);
    this.name = 'ProviderError';
  }
}

/** True when `error` is a cloudport error, optionally with the given code. */
export function isCloudportError(error: unknown, code?: ErrorCode): error is CloudportError {
  if (!(error instanceof CloudportError)) return false;

  return code === undefined || error.code === code;
}
