import { InvalidKeyError, type LimitProfile } from '@cloudport/core';

/** Suffix of the file that holds an object's bytes, unchanged, beside its sidecar. */
export const DATA_SUFFIX = '.cpobj';
/** Suffix of the JSON sidecar that holds an object's ETag, content type and metadata. */
export const META_SUFFIX = '.cpmeta';
/** Hidden folder inside the bucket folder where writes are staged before they become visible. */
export const TEMP_DIR = '.cloudport-tmp';
/** Longest key S3, GCS and Azure Blob all accept, in bytes of UTF-8. */
export const MAX_KEY_BYTES = 1024;

// A directory whose name ends with this mark holds the rest of a key segment too long for one
// file name; "%" followed by a non-hex character never appears in an encoded segment.
export const CHUNK_MARK = '%+';
const EMPTY_SEGMENT = '%';
// Room for the longest suffix (7 bytes) within the 255-byte name limit of common filesystems.
const COMPONENT_BYTES = 240;
const WINDOWS_RESERVED = new Set(['\\', ':', '*', '?', '"', '<', '>', '|']);
const DEVICE_NAME = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\.|$)/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds.
const CONTROL = /[\u0000-\u001f\u007f]/;
// Blob Storage also refuses the C1 controls.
// https://learn.microsoft.com/rest/api/storageservices/naming-and-referencing-containers--blobs--and-metadata
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds.
const AZURE_CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const ACME_PREFIX = '.well-known/acme-challenge/';

/**
 * Throws `INVALID_KEY` unless `key` is 1 to `maxBytes` bytes of UTF-8 without C0 control
 * characters, DEL or unpaired surrogates, and, under a profile, a name that provider takes.
 *
 * Control characters are refused under every profile and without one: the S3, Cloud Storage
 * and Blob Storage stores of cloudport all refuse them (S3 accepts some on upload but cannot
 * list them in its XML 1.0 responses; Cloud Storage refuses carriage returns and line feeds;
 * Blob Storage refuses U+0000 to U+001F), so a key holding one would work locally and fail
 * on every cloud. Under `gcp` the names Cloud Storage refuses are refused too (`.`, `..` and
 * anything under `.well-known/acme-challenge/`), under `azure` the C1 controls U+0080 to
 * U+009F that Blob Storage refuses. Keys such as `../x` or `..` are valid S3 keys and are
 * stored inside the bucket folder (see {@link encodeKey}), never outside it.
 */
export function assertKey(
  key: unknown,
  maxBytes = MAX_KEY_BYTES,
  profile?: LimitProfile,
): asserts key is string {
  if (typeof key !== 'string') {
    throw new InvalidKeyError(String(key), `keys are strings, not ${typeof key}.`);
  }
  if (key.length === 0) {
    throw new InvalidKeyError(key, 'it is empty; a key needs 1 to 1,024 bytes of UTF-8.');
  }
  const surrogate = LONE_SURROGATE.exec(key);
  if (surrogate) {
    throw new InvalidKeyError(
      key,
      `it has an unpaired UTF-16 surrogate at index ${surrogate.index}, which has no UTF-8 ` +
        'form; build the key from well-formed text.',
    );
  }
  const control = (profile === 'azure' ? AZURE_CONTROL : CONTROL).exec(key);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    throw new InvalidKeyError(
      key,
      `it contains the control character U+${code} at index ${control.index}; ` +
        'remove it, since the cloud stores refuse control characters in keys.',
    );
  }
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > maxBytes) {
    throw new InvalidKeyError(
      key,
      `it has ${bytes} bytes of UTF-8 and keys may have at most ${maxBytes}; shorten it.`,
    );
  }
  if (profile === 'gcp') assertGcsName(key);
}

// https://cloud.google.com/storage/docs/objects#naming
function assertGcsName(key: string): void {
  if (key === '.' || key === '..') {
    throw new InvalidKeyError(
      key,
      'Cloud Storage does not allow an object named "." or ".."; choose another name.',
    );
  }
  if (key.startsWith(ACME_PREFIX)) {
    throw new InvalidKeyError(
      key,
      `Cloud Storage does not allow names under ${ACME_PREFIX}; choose another prefix.`,
    );
  }
}

/** Percent-encodes every UTF-8 byte of one character, as `%C3%A9`. */
function percent(char: string): string {
  let out = '';
  for (const byte of Buffer.from(char, 'utf8')) {
    out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }

  return out;
}

// In folded mode (case- or normalisation-insensitive filesystems) names are spelled in one
// case-canonical ASCII form: capitals become "!" plus the lower-case letter, everything outside
// printable ASCII and every character Windows forbids is percent-encoded.
function encodeChar(char: string, fold: boolean): string {
  if (char === '%') return '%25';
  if (!fold) return char;
  const code = char.codePointAt(0) ?? 0;
  if (code >= 0x41 && code <= 0x5a) return `!${char.toLowerCase()}`;
  if (char === '!' || code > 0x7e || WINDOWS_RESERVED.has(char)) return percent(char);

  return char;
}

/** Re-encodes a token that holds a single plain character, so that the name cannot clash. */
function escapeToken(tokens: string[], index: number): void {
  const token = tokens[index];
  if (token !== undefined && token.length === 1) tokens[index] = percent(token);
}

function joined(tokens: string[]): string {
  return tokens.join('');
}

/** Splits tokens into groups of at most COMPONENT_BYTES bytes, never inside a token. */
function chunk(tokens: string[]): string[][] {
  const chunks: string[][] = [[]];
  let bytes = 0;
  for (const token of tokens) {
    const size = Buffer.byteLength(token, 'utf8');
    if (bytes + size > COMPONENT_BYTES) {
      chunks.push([]);
      bytes = 0;
    }
    chunks.at(-1)?.push(token);
    bytes += size;
  }

  return chunks;
}

type SegmentPosition = 'root' | 'dir' | 'file';

/** Encodes one `/`-separated segment of a key into one or more path components. */
function encodeSegment(segment: string, position: SegmentPosition, fold: boolean): string[] {
  if (segment === '') return [EMPTY_SEGMENT];
  const tokens = Array.from(segment, (char) => encodeChar(char, fold));
  const text = joined(tokens);
  const clashes =
    text.endsWith(DATA_SUFFIX) ||
    text.endsWith(META_SUFFIX) ||
    (position === 'root' && text === TEMP_DIR) ||
    // Windows drops a trailing dot or space from folder names.
    (fold && position !== 'file' && /[. ]$/.test(text));
  if (clashes) escapeToken(tokens, tokens.length - 1);

  const pieces = chunk(tokens);
  const final = pieces.at(-1) ?? [];
  if (joined(final) === '.' || joined(final) === '..') escapeToken(final, 0);

  return pieces.map((piece, index) => {
    const last = index === pieces.length - 1;
    const suffix = last ? (position === 'file' ? DATA_SUFFIX : '') : CHUNK_MARK;
    if (fold && DEVICE_NAME.test(joined(piece) + suffix)) escapeToken(piece, 0);

    return last ? joined(piece) : joined(piece) + CHUNK_MARK;
  });
}

/**
 * Maps a valid key to the path components below the bucket folder; the last component is the
 * object's base name, to which {@link DATA_SUFFIX} or {@link META_SUFFIX} is appended.
 *
 * Every component stays inside the bucket folder: a segment that is `.` or `..` is written
 * percent-encoded (`%2E`, `%2E.`), an empty segment as `%`, so keys such as `../x`, `a/../b`
 * or `..` (valid S3 keys) are stored as objects of their own, never resolved as paths.
 *
 * @example
 * encodeKey('reports/2026/a.json', false); // ['reports', '2026', 'a.json']
 * encodeKey('../up', false); // ['%2E.', 'up']
 */
export function encodeKey(key: string, fold: boolean): string[] {
  const segments = key.split('/');
  const components: string[] = [];
  for (const [index, segment] of segments.entries()) {
    const position = index === segments.length - 1 ? 'file' : index === 0 ? 'root' : 'dir';
    components.push(...encodeSegment(segment, position, fold));
  }

  return components;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes one encoded name (without suffix or chunk mark) back to key text, or returns
 * undefined for names the store does not write; callers re-encode to confirm a match.
 */
export function decodeName(name: string, fold: boolean): string | undefined {
  if (name === EMPTY_SEGMENT) return '';
  let out = '';
  let bytes: number[] = [];
  const flush = (): boolean => {
    if (bytes.length === 0) return true;
    try {
      out += UTF8.decode(Uint8Array.from(bytes));
    } catch {
      return false;
    }
    bytes = [];
    return true;
  };
  for (let index = 0; index < name.length; index++) {
    const char = name[index] as string;
    if (char === '%') {
      const hex = name.slice(index + 1, index + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
      bytes.push(Number.parseInt(hex, 16));
      index += 2;
      continue;
    }
    if (!flush()) return undefined;
    if (fold && char === '!') {
      const letter = name[index + 1];
      if (letter === undefined || !/[a-z]/.test(letter)) return undefined;
      out += letter.toUpperCase();
      index += 1;
      continue;
    }
    out += char;
  }

  return flush() ? out : undefined;
}

/** Orders two keys by the bytes of their UTF-8 form, as S3 lists them. */
export function compareKeys(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    const x = a.charCodeAt(index);
    const y = b.charCodeAt(index);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }

  return a.length - b.length;
}

// UTF-16 code units order surrogate pairs below U+E000..U+FFFF; code point (and so UTF-8 byte)
// order puts them above, so lift surrogates over that range.
function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;

  return unit;
}

/**
 * True when a path inside the bucket folder (relative, `/` or the platform separator) is one
 * of the store's own files: object data, a sidecar, or anything in the staging folder. Any
 * other file is one a user dropped in, which the dev watcher may import.
 *
 * @example
 * isStoreEntry('reports/a.json.cpobj'); // true
 * isStoreEntry('reports/a.json'); // false: dropped by a user
 */
export function isStoreEntry(relPath: string): boolean {
  const separators = process.platform === 'win32' ? /[\\/]+/ : /\/+/;
  const parts = relPath.split(separators).filter((part) => part !== '' && part !== '.');
  const last = parts.at(-1);
  if (last === undefined) return false;
  if (parts[0] === TEMP_DIR) return true;

  return last.endsWith(DATA_SUFFIX) || last.endsWith(META_SUFFIX);
}
