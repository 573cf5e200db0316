const SECOND_MS = 1000;
const ZERO = 48;
const LETTER_Z = 90;
// Epoch milliseconds of 10000-01-01T00:00:00Z: beyond it ISO 8601 needs an expanded year.
const MAX_FOUR_DIGIT_YEAR_MS = 253_402_300_800_000;

// `mmmZ` by millisecond, made on first use: a time then costs one concatenation.
const MILLIS: string[] = new Array(SECOND_MS);

/**
 * Makes a function that formats epoch milliseconds as `Date#toISOString` does, several times
 * faster: the times one caller formats (the lines of a logger, the messages of a batch) mostly
 * fall within one second, so everything up to the seconds is formatted once and reused. Each
 * caller takes its own, so that callers with times far apart do not undo each other's reuse.
 *
 * @example
 * const isoOf = createIsoFormatter();
 * isoOf(Date.now()); // '2026-02-14T09:31:07.412Z'
 */
export function createIsoFormatter(): (ms: number) => string {
  // `YYYY-MM-DDTHH:MM:SS.` of the last second formatted.
  let cachedSecond = Number.NaN;
  let secondPrefix = '';

  return (ms) => {
    if (!(Number.isInteger(ms) && ms >= 0 && ms < MAX_FOUR_DIGIT_YEAR_MS)) {
      return new Date(ms).toISOString();
    }
    const second = Math.floor(ms / SECOND_MS);
    if (second !== cachedSecond) {
      secondPrefix = new Date(second * SECOND_MS).toISOString().slice(0, 20);
      cachedSecond = second;
    }

    return secondPrefix + millisOf(ms - second * SECOND_MS);
  };
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
