import {
  AWS_LIMITS,
  type ByteRange,
  InvalidConfigError,
  InvalidKeyError,
  type PutOptions,
} from '@cloudport/core';

/** Most objects S3 returns on one ListObjectsV2 page. */
export const MAX_PAGE = 1000;
/** Longest lifetime S3 accepts for a signature version 4 presigned URL: 7 days. */
export const MAX_SIGNED_URL_SECONDS = 604_800;

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds.
const CONTROL = /[\u0000-\u001f\u007f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// Metadata names travel as `x-amz-meta-<name>` HTTP headers, so they must be header tokens.
const HEADER_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const ENCODED_WORD = /^=\?utf-8\?([bq])\?(.*)\?=$/i;

/**
 * Checks a key the way S3 limits it: 1 to 1024 bytes of UTF-8. Keys with control characters
 * or lone surrogates are refused too: S3 cannot return them in XML listings, and UTF-8 cannot
 * carry a lone surrogate. Anything else, including `..`, `//` and trailing spaces, is a plain
 * key on S3.
 */
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html
export function checkKey(key: unknown): string {
  if (typeof key !== 'string') throw new InvalidKeyError(String(key), 'it is not a string');
  const refuse = (reason: string) => new InvalidKeyError(key, reason, { provider: 'aws' });
  if (key === '') throw refuse('it is empty.');
  if (LONE_SURROGATE.test(key))
    throw refuse('it holds a lone surrogate, which UTF-8 cannot carry.');
  const control = CONTROL.exec(key);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).padStart(4, '0');
    throw refuse(`it holds the control character U+${code.toUpperCase()}; remove it.`);
  }
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > AWS_LIMITS.store.maxKeyBytes) {
    throw refuse(`it is ${bytes} bytes in UTF-8; S3 allows ${AWS_LIMITS.store.maxKeyBytes}.`);
  }

  return key;
}

/** Checks the options of a write and encodes its metadata for S3 headers. */
export function checkPutOptions(
  key: string,
  options: PutOptions,
): Record<string, string> | undefined {
  const { contentType, metadata, createOnly, ifMatch } = options;
  const target = JSON.stringify(key);
  if (contentType !== undefined && (typeof contentType !== 'string' || CONTROL.test(contentType))) {
    throw invalid(`The content type for ${target} must be a string without control characters.`);
  }
  if (ifMatch !== undefined && (typeof ifMatch !== 'string' || ifMatch === '')) {
    throw invalid(`ifMatch for ${target} must be a non-empty ETag string from head() or put().`);
  }
  if (createOnly && ifMatch !== undefined) {
    throw invalid(
      `The write to ${target} sets both createOnly and ifMatch; use createOnly for a new object ` +
        'or ifMatch to replace a known version.',
    );
  }

  return metadata === undefined ? undefined : toS3Metadata(target, metadata);
}

/**
 * Encodes user metadata: names must be HTTP header tokens, values outside printable ASCII
 * travel as RFC 2047 encoded words (`=?UTF-8?B?...?=`), which {@link fromS3Metadata} reverses.
 * All names and values together may take 2 KB, as on S3.
 */
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html
export function toS3Metadata(target: string, metadata: Record<string, string>) {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw invalid(`The metadata for ${target} must be an object of string names and values.`);
  }
  const encoded: Record<string, string> = {};
  let bytes = 0;
  for (const [name, value] of Object.entries(metadata)) {
    if (!HEADER_TOKEN.test(name) || typeof value !== 'string' || CONTROL.test(value)) {
      throw invalid(
        `The metadata entry ${JSON.stringify(name)} for ${target} is not allowed: names must be ` +
          'HTTP header tokens and values strings without control characters.',
      );
    }
    encoded[name] = PRINTABLE_ASCII.test(value)
      ? value
      : `=?UTF-8?B?${Buffer.from(value).toString('base64')}?=`;
    bytes += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value, 'utf8');
  }
  if (bytes > AWS_LIMITS.store.maxMetadataBytes) {
    throw invalid(
      `The metadata for ${target} takes ${bytes} bytes, over the S3 limit of ` +
        `${AWS_LIMITS.store.maxMetadataBytes} bytes for all names and values.`,
    );
  }

  return encoded;
}

/** Decodes metadata as S3 returns it, reversing RFC 2047 encoded words. */
export function fromS3Metadata(metadata: Record<string, string> | undefined) {
  const decoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(metadata ?? {})) {
    const word = ENCODED_WORD.exec(value);
    decoded[name] = word ? decodeWord(word[1] as string, word[2] as string) : value;
  }

  return decoded;
}

/** Checks a range's shape and renders it as an HTTP `Range` header. */
export function toRangeHeader(key: string, range: ByteRange | undefined): string | undefined {
  if (range === undefined) return undefined;
  const { start, end } = range;
  const startOk = Number.isSafeInteger(start) && start >= 0;
  const endOk = end === undefined || (Number.isSafeInteger(end) && end >= start);
  if (startOk && endOk) return `bytes=${start}-${end ?? ''}`;

  throw invalid(
    `The range ${JSON.stringify(range)} for ${JSON.stringify(key)} is not valid: start must be ` +
      'a whole number from 0 and end, when given, a whole number not below start (inclusive).',
  );
}

/** The page size of a list call: 1000 by default and at most. */
export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return MAX_PAGE;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw invalid(`The list limit ${String(limit)} must be a whole number from 1 to ${MAX_PAGE}.`);
  }

  return Math.min(limit, MAX_PAGE);
}

/** The lifetime of a signed URL, checked against the 7-day ceiling of S3 signatures. */
export function signedUrlSeconds(seconds: number | undefined): number {
  const value = seconds ?? 900;
  if (Number.isSafeInteger(value) && value >= 1 && value <= MAX_SIGNED_URL_SECONDS) return value;

  throw invalid(
    `expiresInSeconds ${String(seconds)} must be a whole number from 1 to ` +
      `${MAX_SIGNED_URL_SECONDS} (7 days, the most an S3 signature allows).`,
  );
}

function decodeWord(encoding: string, text: string): string {
  if (encoding.toLowerCase() === 'b') return Buffer.from(text, 'base64').toString('utf8');
  const bytes = text.replace(/_/g, ' ').replace(/=([0-9a-f]{2})/gi, (_, hex: string) => {
    return String.fromCharCode(Number.parseInt(hex, 16));
  });

  return Buffer.from(bytes, 'latin1').toString('utf8');
}

function invalid(message: string): InvalidConfigError {
  return new InvalidConfigError(message, { provider: 'aws' });
}
