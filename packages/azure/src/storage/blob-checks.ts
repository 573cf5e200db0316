import {
  AZURE_LIMITS,
  type ByteRange,
  InvalidConfigError,
  InvalidKeyError,
  type PutOptions,
} from '@cloudport/core';

/** Most objects on one list page, as on S3, GCS and the local store. */
export const MAX_PAGE = 1000;

const MAX_KEY_BYTES = AZURE_LIMITS.store.maxKeyBytes;
const MAX_METADATA_BYTES = AZURE_LIMITS.store.maxMetadataBytes;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds.
const CONTROL = /[\u0000-\u001f\u007f]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// Blob metadata travels as x-ms-meta-<name> headers: names are C# identifiers, values ASCII.
const METADATA_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ASCII_VALUE = /^[\x20-\x7e]*$/;

function invalid(message: string): InvalidConfigError {
  return new InvalidConfigError(message, { provider: 'azure' });
}

/** Throws `INVALID_KEY` unless `key` is 1 to 1,024 bytes of UTF-8 without control characters. */
export function assertKey(key: unknown): asserts key is string {
  if (typeof key !== 'string') {
    throw new InvalidKeyError(String(key), `keys are strings, not ${typeof key}.`, {
      provider: 'azure',
    });
  }
  const reason = keyProblem(key);
  if (reason) throw new InvalidKeyError(key, reason, { provider: 'azure' });
}

function keyProblem(key: string): string | undefined {
  if (key.length === 0) return 'it is empty; a key needs 1 to 1,024 bytes of UTF-8.';
  const surrogate = LONE_SURROGATE.exec(key);
  if (surrogate) {
    const at = surrogate.index;
    return `it has an unpaired UTF-16 surrogate at index ${at}, which has no UTF-8 form.`;
  }
  const control = CONTROL.exec(key);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    return `it contains the control character U+${code} at index ${control.index}; remove it.`;
  }
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > MAX_KEY_BYTES) {
    return `it has ${bytes} bytes of UTF-8 and keys may have at most ${MAX_KEY_BYTES}; shorten it.`;
  }

  return undefined;
}

/** Checks the content type, metadata and preconditions of a write before any byte moves. */
export function checkPutOptions(key: string, options: PutOptions): void {
  const { contentType, metadata, createOnly, ifMatch } = options;
  const target = JSON.stringify(key);
  if (contentType !== undefined && (typeof contentType !== 'string' || CONTROL.test(contentType))) {
    throw invalid(`The content type for ${target} must be a string without control characters.`);
  }
  if (ifMatch !== undefined && (typeof ifMatch !== 'string' || ifMatch === '')) {
    throw invalid(`ifMatch for ${target} must be a non-empty ETag string from head() or get().`);
  }
  if (createOnly && ifMatch !== undefined) {
    throw invalid(
      `The write to ${target} sets both createOnly and ifMatch, which cannot hold together; ` +
        'use createOnly for a new object or ifMatch to replace a known version.',
    );
  }
  if (metadata !== undefined) checkMetadata(target, metadata);
}

function checkMetadata(target: string, metadata: Record<string, string>): void {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw invalid(`The metadata for ${target} must be an object of string names and values.`);
  }
  let bytes = 0;
  for (const [name, value] of Object.entries(metadata)) {
    if (!METADATA_NAME.test(name) || typeof value !== 'string' || !ASCII_VALUE.test(value)) {
      throw invalid(
        `The metadata entry ${JSON.stringify(name)} for ${target} cannot be stored in Azure Blob ` +
          'Storage: names must be C# identifiers (letters, digits, "_", not starting with a ' +
          'digit) and values printable ASCII.',
      );
    }
    bytes += name.length + value.length;
  }
  if (bytes > MAX_METADATA_BYTES) {
    throw invalid(
      `The metadata for ${target} takes ${bytes} bytes, over Azure's ${MAX_METADATA_BYTES}; ` +
        'store the rest in the object.',
    );
  }
}

/** Checks a range's shape; whether it fits the object is known only once it is read. */
export function checkRange(key: string, range: ByteRange | undefined): void {
  if (range === undefined) return;
  const { start, end } = range;
  const startOk = Number.isSafeInteger(start) && start >= 0;
  const endOk = end === undefined || (Number.isSafeInteger(end) && end >= start);
  if (startOk && endOk) return;

  throw invalid(
    `The range ${JSON.stringify(range)} for ${JSON.stringify(key)} is not valid: start must be ` +
      'a whole number from 0 and end, when given, a whole number not below start (inclusive).',
  );
}

/** The page size of a list call: default and ceiling 1000. */
export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return MAX_PAGE;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw invalid(`The list limit ${String(limit)} must be a whole number from 1 to ${MAX_PAGE}.`);
  }

  return Math.min(limit, MAX_PAGE);
}

/** Seconds a signed URL stays valid: a whole number from 1 to 7 days, 1 hour by default. */
export function expirySeconds(seconds: number | undefined): number {
  if (seconds === undefined) return 3600;
  if (Number.isSafeInteger(seconds) && seconds >= 1 && seconds <= 7 * 86_400) return seconds;

  throw invalid(`expiresInSeconds ${String(seconds)} must be a whole number from 1 to 604800.`);
}
