import { createIsoFormatter } from '@cloudport/core';

const SECOND_MS = 1000;
const ZERO = 48;
// Epoch milliseconds have 13 digits from 2001 to 2286; the text fast path takes only those.
const MS_DIGITS = 13;
const SECOND_DIGITS = MS_DIGITS - 3;

// The last second read from text: its first ten digits and its epoch milliseconds. The digits
// start as no text's, so that the first text is read in full.
let textDigits = '-';
let textSecondMs = 0;
const isoOf = createIsoFormatter();

/**
 * The ISO 8601 time of epoch milliseconds given as text (as SQS gives its timestamps), or
 * undefined when the text is not a count above zero. Text of the same second as the previous
 * call is read from its last three digits: reading 13 digits as one number takes longer than
 * the formatting.
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
      return isoOf(textSecondMs + hundreds * 100 + tens * 10 + units);
    }
  }
  const ms = numberOf(text);
  if (!(ms > 0)) return undefined;
  const iso = isoOf(ms);
  // Only a second above zero is kept, so that every text it matches is a count above zero.
  if (typeof text === 'string' && text.length === MS_DIGITS && ms >= SECOND_MS && isDigits(text)) {
    textDigits = text.slice(0, SECOND_DIGITS);
    textSecondMs = ms - (ms % SECOND_MS);
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
