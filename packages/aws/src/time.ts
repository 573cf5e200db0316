const SECOND_MS = 1000;
const ZERO = 48;
const LETTER_Z = 90;
// Epoch milliseconds of 10000-01-01T00:00:00Z: beyond it ISO 8601 needs an expanded year.
const MAX_FOUR_DIGIT_YEAR_MS = 253_402_300_800_000;
// Epoch milliseconds have 13 digits from 2001 to 2286; the text fast path takes only those.
const MS_DIGITS = 13;
const SECOND_DIGITS = MS_DIGITS - 3;

// `YYYY-MM-DDTHH:MM:SS.` of the last second formatted, for isoFromEpochMs.
let cachedSecond = Number.NaN;
let secondPrefix = '';
// The same for the last second read from text: its first ten digits and its prefix. The
// digits start as no text's, so that the first text is read in full.
let textDigits = '-';
let textPrefix = '';
// `mmmZ` by millisecond, made on first use: a time then costs one concatenation.
const MILLIS: string[] = new Array(SECOND_MS);

/**
 * Formats epoch milliseconds as `Date#toISOString` does, several times faster: messages of one
 * batch are mostly sent within the same second, so everything up to the seconds is formatted
 * once and reused.
 */
export function isoFromEpochMs(ms: number): string {
  if (!(Number.isInteger(ms) && ms >= 0 && ms < MAX_FOUR_DIGIT_YEAR_MS)) {
    return new Date(ms).toISOString();
  }
  const second = Math.floor(ms / SECOND_MS);
  if (second !== cachedSecond) {
    secondPrefix = new Date(second * SECOND_MS).toISOString().slice(0, 20);
    cachedSecond = second;
  }

  return secondPrefix + millisOf(ms - second * SECOND_MS);
}

/**
 * The ISO 8601 time of epoch milliseconds given as text (as SQS gives its timestamps), or
 * undefined when the text is not a count above zero. Text of the same second as the previous
 * call is formatted without being turned into a number: reading 13 digits as one takes longer
 * than the rest of the formatting.
 */
export function isoFromEpochMsText(text: unknown): string | undefined {
  if (
    typeof text === 'string' &&
    text.length === MS_DIGITS &&
    text.slice(0, SECOND_DIGITS) === textDigits
  ) {
    const hundreds = digitAt(text, 10);
    const tens = digitAt(text, 11);
    const units = digitAt(text, 12);
    if (hundreds >= 0 && tens >= 0 && units >= 0) {
      return textPrefix + millisOf(hundreds * 100 + tens * 10 + units);
    }
  }
  const ms = numberOf(text);
  if (!(ms > 0)) return undefined;
  const iso = isoFromEpochMs(ms);
  // Only a second above zero is kept, so that every text it matches is a count above zero.
  if (typeof text === 'string' && text.length === MS_DIGITS && ms >= SECOND_MS && isDigits(text)) {
    textDigits = text.slice(0, SECOND_DIGITS);
    textPrefix = iso.slice(0, 20);
  }

  return iso;
}

/** The digit at `index`, or -1. */
function digitAt(text: string, index: number): number {
  const digit = text.charCodeAt(index) - ZERO;

  return digit >= 0 && digit <= 9 ? digit : -1;
}

function isDigits(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    if (digitAt(text, index) < 0) return false;
  }

  return true;
}

function millisOf(millis: number): string {
  const cached = MILLIS[millis];
  if (cached !== undefined) return cached;
  const text = String.fromCharCode(
    ZERO + Math.floor(millis / 100),
    ZERO + (Math.floor(millis / 10) % 10),
    ZERO + (millis % 10),
    LETTER_Z,
  );
  MILLIS[millis] = text;

  return text;
}

/**
 * `Number(value)`, with strings of up to 15 digits (every epoch-millisecond timestamp) read
 * here: Number() takes several times longer for numbers too long to be cached as indexes.
 */
function numberOf(value: unknown): number {
  if (typeof value !== 'string' || value.length === 0 || value.length > 15) return Number(value);
  let number = 0;
  for (let index = 0; index < value.length; index++) {
    const digit = value.charCodeAt(index) - ZERO;
    if (digit < 0 || digit > 9) return Number(value);
    number = number * 10 + digit;
  }

  return number;
}
