import { InvalidConfigError } from './errors.js';

/**
 * Refuses option bags with keys the receiver does not know, so that a typo such as `prefx`
 * fails when the pipeline is defined instead of being ignored. `what` names the receiver in the
 * message, for example `onMessage(rows) options`.
 */
export function checkOptionKeys(what: string, options: unknown, known: readonly string[]): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidConfigError(
      `${what} must be an object of options, not ${describeValue(options)}.`,
    );
  }
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const near = closest(key, known);
    const hint = near ? `did you mean ${near}? ` : '';

    throw new InvalidConfigError(
      `${what} has no option ${JSON.stringify(key)}; ${hint}it takes ${known.join(', ')}.`,
    );
  }
}

/** Refuses a number that is not whole or lies outside `min`..`max`, naming the option. */
export function checkWholeNumber(what: string, value: unknown, min: number, max: number): void {
  if (Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max) return;

  throw new InvalidConfigError(
    `${what} is ${describeValue(value)}; it must be a whole number from ${min} to ${max}.`,
  );
}

/** Refuses a value that is not a finite number above 0 and at most `max`. */
export function checkPositiveNumber(what: string, value: unknown, max: number): void {
  if (typeof value === 'number' && value > 0 && value <= max) return;

  throw new InvalidConfigError(
    `${what} is ${describeValue(value)}; it must be a number above 0 and at most ${max}.`,
  );
}

/** A short, safe rendering of a config value for an error message. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) {
    return String(value);
  }
  if (Array.isArray(value)) return 'an array';

  return `a ${typeof value}`;
}

/** The known key that starts with `key`, or else the one within two edits of it. */
function closest(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const extended = known.find((candidate) => candidate.toLowerCase().startsWith(lower));
  if (extended) return extended;
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }

  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution);
    }
    previous = current;
  }

  return previous[b.length]!;
}
