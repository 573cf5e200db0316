// Keys become blob names unchanged, except for the few that Blob Storage cannot keep or that it
// would list out of order. Three rewrites, each reversible and prefix-preserving; the last two
// also keep the order of keys by UTF-8 bytes (Blob Storage lists names by UTF-16 code units):
//
// 1. A path segment that is only one or two dots, optionally followed by spaces, gets one more
//    space: URL parsers collapse "." and ".." segments, so such names never reach the service.
//    No inserted character can sort exactly like the "/" that follows such a segment, so these
//    keys alone may list out of order across pages; the store sorts each page.
// 2. A backslash becomes "[" followed by U+E000: the service turns "\" into "/".
// 3. U+D7FF and the characters U+E000 to U+FFFF become U+D7FF followed by two digits in
//    U+0100 to U+017F: in UTF-16 they sort after astral characters, in UTF-8 before them. The
//    marker U+E000 is free because rule 3 moves every real character of that range.

const DOT_SEGMENT = /^\.{1,2} *$/;
const MARKED_DOT_SEGMENT = /^\.{1,2} +$/;
const NEEDS_REWRITE = /[\\\uD7FF\uE000-\uFFFF]|(?:^|\/)\.{1,2} *(?:\/|$)/;
const ENCODED = /\[\uE000|\uD7FF|(?:^|\/)\.{1,2} +(?:\/|$)/;
const BACKSLASH_MARK = '[\uE000';
const HIGH_MARK = 0xd7ff;
const DIGIT_BASE = 0x100;

/** The blob name a key is stored under; most keys are their own name. */
export function toBlobName(key: string): string {
  if (!NEEDS_REWRITE.test(key)) return key;

  return key
    .split('/')
    .map((segment) => escapeChars(segment) + (DOT_SEGMENT.test(segment) ? ' ' : ''))
    .join('/');
}

/** The key a blob name stands for: the inverse of {@link toBlobName}. */
export function fromBlobName(name: string): string {
  if (!ENCODED.test(name)) return name;

  return name
    .split('/')
    .map((segment) =>
      unescapeChars(MARKED_DOT_SEGMENT.test(segment) ? segment.slice(0, -1) : segment),
    )
    .join('/');
}

/**
 * The name prefix to list for a key prefix. It may match a few blobs whose keys do not start
 * with the prefix (when its last segment could still become a dot segment), so callers keep
 * only the keys that do.
 */
export function toListPrefix(prefix: string): string {
  if (!NEEDS_REWRITE.test(prefix)) return prefix;
  const segments = prefix.split('/');
  const last = segments.pop() ?? '';
  const complete = segments.map((segment) => `${toBlobName(segment)}/`).join('');

  return complete + escapeChars(last);
}

function escapeChars(segment: string): string {
  let out = '';
  for (const char of segment) {
    const code = char.charCodeAt(0);
    if (char === '\\') out += BACKSLASH_MARK;
    else if (char.length === 1 && (code === HIGH_MARK || code >= 0xe000)) out += highEscape(code);
    else out += char;
  }

  return out;
}

function highEscape(code: number): string {
  const n = code === HIGH_MARK ? 0 : code - 0xdfff;

  return String.fromCharCode(HIGH_MARK, DIGIT_BASE + (n >> 7), DIGIT_BASE + (n & 0x7f));
}

function unescapeChars(segment: string): string {
  let out = '';
  for (let index = 0; index < segment.length; index += 1) {
    const code = segment.charCodeAt(index);
    if (code === 0x5b && segment.charCodeAt(index + 1) === 0xe000) {
      out += '\\';
      index += 1;
    } else if (code === HIGH_MARK && index + 2 < segment.length) {
      const n =
        ((segment.charCodeAt(index + 1) - DIGIT_BASE) << 7) |
        (segment.charCodeAt(index + 2) - DIGIT_BASE);
      out += String.fromCharCode(n === 0 ? HIGH_MARK : 0xdfff + n);
      index += 2;
    } else {
      out += segment[index];
    }
  }

  return out;
}
