import {
  type ByteRange,
  GCP_LIMITS,
  InvalidConfigError,
  InvalidKeyError,
  type PutOptions,
} from '@cloudport/core';
import { PROVIDER } from '../errors.js';

const MAX_KEY_BYTES = GCP_LIMITS.store.maxKeyBytes;
const MAX_PAGE = 1000;
const ACME_PREFIX = '.well-known/acme-challenge/';
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds.
const CONTROL = /[\u0000-\u001f\u007f]/;

function invalidKey(key: string, reason: string): InvalidKeyError {
  return new InvalidKeyError(key, reason, { provider: PROVIDER });
}

function invalid(message: string): InvalidConfigError {
  return new InvalidConfigError(message, { provider: PROVIDER });
}

/**
 * Throws `INVALID_KEY` unless Cloud Storage accepts `key` as an object name and every provider
 * would too: 1 to 1,024 bytes of well-formed UTF-8 without control characters. Cloud Storage
 * itself also refuses `.`, `..` and names under `.well-known/acme-challenge/`.
 *
 * @see https://cloud.google.com/storage/docs/objects#naming
 */
export function assertObjectKey(key: unknown): asserts key is string {
  if (typeof key !== 'string') throw invalidKey(String(key), 'keys are strings.');
  if (key === '') throw invalidKey(key, 'it is empty; an object name needs 1 to 1,024 bytes.');
  const surrogate = LONE_SURROGATE.exec(key);
  if (surrogate) {
    throw invalidKey(key, `it has an unpaired UTF-16 surrogate at index ${surrogate.index}.`);
  }
  const control = CONTROL.exec(key);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    throw invalidKey(key, `it contains the control character U+${code}; remove it.`);
  }
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > MAX_KEY_BYTES) {
    throw invalidKey(key, `it has ${bytes} bytes of UTF-8; Cloud Storage allows ${MAX_KEY_BYTES}.`);
  }
  if (key === '.' || key === '..') {
    throw invalidKey(key, 'Cloud Storage does not allow an object named "." or "..".');
  }
  if (key.startsWith(ACME_PREFIX)) {
    throw invalidKey(key, `Cloud Storage does not allow names under ${ACME_PREFIX}.`);
  }
}

/** Checks a write's content type, metadata and preconditions before any byte moves. */
export function checkPutOptions(key: string, options: PutOptions): void {
  const { contentType, metadata, createOnly, ifMatch } = options;
  const target = JSON.stringify(key);
  if (contentType !== undefined && (typeof contentType !== 'string' || CONTROL.test(contentType))) {
    throw invalid(`The content type for ${target} must be a string without control characters.`);
  }
  if (ifMatch !== undefined && (typeof ifMatch !== 'string' || ifMatch === '')) {
    throw invalid(`ifMatch for ${target} must be a non-empty ETag from head(), get() or put().`);
  }
  if (createOnly && ifMatch !== undefined) {
    throw invalid(
      `The write to ${target} sets both createOnly and ifMatch; use one: createOnly for a new ` +
        'object, ifMatch to replace a known version.',
    );
  }
  if (metadata === undefined) return;
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw invalid(`The metadata for ${target} must be an object of string names and values.`);
  }
  let bytes = 0;
  for (const [name, value] of Object.entries(metadata)) {
    if (name === '' || CONTROL.test(name) || typeof value !== 'string' || CONTROL.test(value)) {
      throw invalid(
        `The metadata entry ${JSON.stringify(name)} for ${target} is not allowed: names must be ` +
          'non-empty and values strings, both without control characters.',
      );
    }
    bytes += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value, 'utf8');
  }
  const limit = GCP_LIMITS.store.maxMetadataBytes;
  if (bytes > limit) {
    throw invalid(
      `The metadata for ${target} takes ${bytes} bytes; Cloud Storage allows ${limit} for all ` +
        'custom names and values together. Store the rest in the object.',
    );
  }
}

/**
 * Resolves a range against the object's size into inclusive bounds. An end past the last byte
 * reads to the end; a start at or past the end is `INVALID_CONFIG`.
 */
export function fitRange(
  key: string,
  bucket: string,
  range: ByteRange,
  size: number,
): { start: number; end: number } {
  const { start, end } = range;
  const shapeOk =
    Number.isSafeInteger(start) &&
    start >= 0 &&
    (end === undefined || (Number.isSafeInteger(end) && end >= start));
  if (!shapeOk) {
    throw invalid(
      `The range ${JSON.stringify(range)} for ${JSON.stringify(key)} is not valid: start must be ` +
        'a whole number from 0 and end, when given, a whole number not below start (inclusive).',
    );
  }
  if (start >= size) {
    throw invalid(
      `The range bytes=${start}-${end ?? ''} is outside ${JSON.stringify(key)} in ${bucket}, ` +
        `which has ${size} bytes; start must be below ${size}.`,
    );
  }

  return { start, end: Math.min(end ?? size - 1, size - 1) };
}

/** The page size of a list call: default and ceiling 1000, as Cloud Storage's. */
export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return MAX_PAGE;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw invalid(`The list limit ${String(limit)} must be a whole number from 1 to ${MAX_PAGE}.`);
  }

  return Math.min(limit, MAX_PAGE);
}
