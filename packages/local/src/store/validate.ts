import {
  type ByteRange,
  InvalidConfigError,
  type LimitProfile,
  PROVIDER_LIMITS,
  type PutOptions,
} from '@cloudport/core';
import { MAX_KEY_BYTES } from './key-path.js';

/** The limits a file store enforces; without a profile only the key length is bounded. */
export interface EnforcedLimits {
  profile: LimitProfile | undefined;
  maxKeyBytes: number;
  maxMetadataBytes: number;
  maxObjectBytes: number;
}

/** Most objects on one list page, as on S3, GCS and Azure Blob. */
export const MAX_PAGE = 1000;

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds.
const CONTROL = /[\u0000-\u001f\u007f]/;

function invalid(message: string): InvalidConfigError {
  return new InvalidConfigError(message, { provider: 'local' });
}

/** The limits of a provider profile, or the portable key limit alone. */
export function limitsOf(profile: LimitProfile | undefined): EnforcedLimits {
  if (profile === undefined) {
    return {
      profile,
      maxKeyBytes: MAX_KEY_BYTES,
      maxMetadataBytes: Number.POSITIVE_INFINITY,
      maxObjectBytes: Number.POSITIVE_INFINITY,
    };
  }
  const limits = PROVIDER_LIMITS[profile];
  if (limits === undefined) {
    const known = Object.keys(PROVIDER_LIMITS).join(', ');
    throw invalid(`The limit profile ${JSON.stringify(profile)} is unknown; use one of ${known}.`);
  }

  return { profile, ...limits.store };
}

/**
 * Checks the content type, metadata and preconditions of a write before any byte moves, and
 * returns the options as the profile's provider would keep them: under `aws` metadata names
 * come back lower-cased, as S3 returns them.
 *
 * Metadata rules follow the store of the profile's provider, with its codes (`INVALID_CONFIG`):
 * `aws` names are HTTP header tokens, `azure` names are C# identifiers and values printable
 * ASCII, `gcp` and no profile take any non-empty name and any value without control characters.
 */
export function checkPutOptions(
  key: string,
  options: PutOptions,
  limits: EnforcedLimits,
): PutOptions {
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
  if (metadata === undefined) return options;
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw invalid(`The metadata for ${target} must be an object of string names and values.`);
  }
  const kept = checkMetadata(target, metadata, limits);

  return kept === metadata ? options : { ...options, metadata: kept };
}

const METADATA_RULES: Record<LimitProfile | 'none', MetadataRule> = {
  none: {
    name: (name) => name !== '' && !CONTROL.test(name),
    value: (value) => !CONTROL.test(value),
    rule: 'names must be non-empty and values strings, both without control characters',
  },
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html
  aws: {
    name: (name) => HEADER_TOKEN.test(name),
    value: (value) => !CONTROL.test(value),
    rule: 'names must be HTTP header tokens and values strings without control characters',
    fold: true,
  },
  // https://cloud.google.com/storage/docs/metadata#custom-metadata
  gcp: {
    name: (name) => name !== '' && !CONTROL.test(name),
    value: (value) => !CONTROL.test(value),
    rule: 'names must be non-empty and values strings, both without control characters',
  },
  // https://learn.microsoft.com/rest/api/storageservices/setting-and-retrieving-properties-and-metadata-for-blob-resources
  azure: {
    name: (name) => CSHARP_IDENTIFIER.test(name),
    value: (value) => PRINTABLE_ASCII.test(value),
    rule:
      'Azure Blob Storage takes names that are C# identifiers (letters, digits, "_", not ' +
      'starting with a digit) and values of printable ASCII',
    fold: true,
    bytes: (name, value) => name.length + value.length,
  },
};

interface MetadataRule {
  name(name: string): boolean;
  value(value: string): boolean;
  rule: string;
  /** Names are case-insensitive: two names differing only in case are one. */
  fold?: boolean;
  bytes?(name: string, value: string): number;
}

const HEADER_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const CSHARP_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

function checkMetadata(
  target: string,
  metadata: Record<string, string>,
  limits: EnforcedLimits,
): Record<string, string> {
  const rules = METADATA_RULES[limits.profile ?? 'none'];
  const lower = limits.profile === 'aws';
  const seen = new Map<string, string>();
  const kept: Record<string, string> = {};
  let bytes = 0;
  for (const [name, value] of Object.entries(metadata)) {
    if (!rules.name(name) || typeof value !== 'string' || !rules.value(value)) {
      throw invalid(
        `The metadata entry ${JSON.stringify(name)} for ${target} is not allowed: ${rules.rule}.`,
      );
    }
    const folded = rules.fold ? name.toLowerCase() : name;
    const other = seen.get(folded);
    if (other !== undefined) {
      throw invalid(
        `The metadata names ${JSON.stringify(other)} and ${JSON.stringify(name)} for ${target} ` +
          `differ only in case, which ${limits.profile} treats as one name; rename one.`,
      );
    }
    seen.set(folded, name);
    kept[lower ? folded : name] = value;
    bytes += rules.bytes
      ? rules.bytes(name, value)
      : Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value, 'utf8');
  }
  if (bytes > limits.maxMetadataBytes) {
    throw invalid(
      `The metadata for ${target} takes ${bytes} bytes, over the ${limits.profile} limit of ` +
        `${limits.maxMetadataBytes} bytes for all names and values; store the rest in the object.`,
    );
  }

  return lower ? kept : metadata;
}

/** Checks a range's shape; whether it fits the object is known only once it is open. */
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

/**
 * Resolves a range against the object's size into inclusive bounds (`end` is -1 for a whole
 * empty object): an end past the last byte reads to the end, as HTTP ranges do; a start at or
 * past the end is `INVALID_CONFIG` (S3 answers 416 there).
 */
export function fitRange(
  key: string,
  bucket: string,
  range: ByteRange | undefined,
  size: number,
): { start: number; end: number } {
  if (range === undefined) return { start: 0, end: size - 1 };
  if (range.start >= size) {
    const asked = `bytes=${range.start}-${range.end ?? ''}`;
    throw invalid(
      `The range ${asked} is outside ${JSON.stringify(key)} in ${bucket}, which has ${size} ` +
        `bytes; start must be below ${size}. Read head() first to learn the size.`,
    );
  }

  return { start: range.start, end: Math.min(range.end ?? size - 1, size - 1) };
}

/** The page size of a list call: default and ceiling 1000, as the cloud stores do. */
export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return MAX_PAGE;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw invalid(`The list limit ${String(limit)} must be a whole number from 1 to ${MAX_PAGE}.`);
  }

  return Math.min(limit, MAX_PAGE);
}
