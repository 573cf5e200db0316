const MINUTE_MS = 60_000;
const ZERO = 48;
const DOT = 46;
const LETTER_Z = 90;
// Epoch milliseconds of 10000-01-01T00:00:00Z: beyond it ISO 8601 needs an expanded year.
const MAX_FOUR_DIGIT_YEAR_MS = 253_402_300_800_000;

let cachedMinute = Number.NaN;
let cachedPrefix = '';

/**
 * Formats epoch milliseconds as `Date#toISOString` does, several times faster: messages of one
 * batch are mostly sent within the same minute, so everything up to the seconds is formatted
 * once and reused.
 */
export function isoFromEpochMs(ms: number): string {
  if (!(Number.isInteger(ms) && ms >= 0 && ms < MAX_FOUR_DIGIT_YEAR_MS))
    return new Date(ms).toISOString();
  const minute = Math.floor(ms / MINUTE_MS);
  if (minute !== cachedMinute) {
    // `YYYY-MM-DDTHH:MM:`
    cachedPrefix = new Date(minute * MINUTE_MS).toISOString().slice(0, 17);
    cachedMinute = minute;
  }
  const rest = ms - minute * MINUTE_MS;
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;

  // `SS.mmmZ` from character codes: one string, with no number formatted.
  return (
    cachedPrefix +
    String.fromCharCode(
      ZERO + Math.floor(seconds / 10),
      ZERO + (seconds % 10),
      DOT,
      ZERO + Math.floor(millis / 100),
      ZERO + (Math.floor(millis / 10) % 10),
      ZERO + (millis % 10),
      LETTER_Z,
    )
  );
}
