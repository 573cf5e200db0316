import { InvalidConfigError, type ProviderName } from './errors.js';
import type { CronFields } from './schedule.js';

/** The values a cron field takes. */
export interface CronFieldRange {
  min: number;
  max: number;
  /** The last value `*` and an open `start/step` reach: `max`, but 6 for the day of week. */
  last: number;
}

/** Month names, January first, in lower case; month numbers start at 1. */
export const CRON_MONTH_NAMES = [
  'jan',
  'feb',
  'mar',
  'apr',
  'may',
  'jun',
  'jul',
  'aug',
  'sep',
  'oct',
  'nov',
  'dec',
] as const;
/** Weekday names, Sunday first (day 0), in lower case. */
export const CRON_DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** The range of each neutral cron field. Unix cron writes Sunday as 0 or 7. */
export const CRON_FIELD_RANGES: Readonly<Record<keyof CronFields, CronFieldRange>> = {
  minute: { min: 0, max: 59, last: 59 },
  hour: { min: 0, max: 23, last: 23 },
  dayOfMonth: { min: 1, max: 31, last: 31 },
  month: { min: 1, max: 12, last: 12 },
  dayOfWeek: { min: 0, max: 7, last: 6 },
};

/** One comma-separated item of a cron field, names read as numbers. */
export interface CronItem {
  /** True for `*` and `*\/step`. */
  wildcard: boolean;
  start: number;
  /** The last value the item can reach: its range's end, the field's last value, or `start`. */
  end: number;
  /** True when the item wrote its end (`start-end`). */
  ranged: boolean;
  step: number;
}

const ITEM = /^(\*|[0-9a-z]+)(?:-([0-9a-z]+))?(?:\/([0-9]+))?$/;

/**
 * The items of one field of a parsed cron schedule, for adapters that write the schedule in
 * their platform's syntax. A field `parseSchedule` accepted always reads; a hand-built one with
 * a bad item raises `INVALID_CONFIG` naming it, from `provider` when one is given.
 *
 * @example
 * cronItems(parseSchedule('0 9 * * MON-FRI').fields, 'dayOfWeek')
 * // [{ wildcard: false, start: 1, end: 5, ranged: true, step: 1 }]
 */
export function cronItems(
  fields: CronFields,
  field: keyof CronFields,
  provider?: ProviderName,
): CronItem[] {
  const range = CRON_FIELD_RANGES[field];

  return fields[field].split(',').map((item) => {
    const [, first, second, every] = ITEM.exec(item.toLowerCase()) ?? [];
    const wildcard = first === '*';
    const start = first === undefined || wildcard ? range.min : toNumber(field, first, provider);
    const ranged = second !== undefined;
    const open = wildcard || every !== undefined;
    const end = ranged ? toNumber(field, second, provider) : open ? range.last : start;
    const step = every === undefined ? 1 : Number(every);
    if (first === undefined || (wildcard && ranged) || end < start || step < 1) {
      throw new InvalidConfigError(
        `Cron ${field} item ${JSON.stringify(item)} is not valid: write a number, a name, a ` +
          'range or a step, such as 5, MON, 1-5 or */15.',
        { provider },
      );
    }

    return { wildcard, start, end, ranged, step };
  });
}

/** The values an item spans, in order. */
export function cronItemValues(item: CronItem): number[] {
  const values: number[] = [];
  for (let value = item.start; value <= item.end; value += item.step) values.push(value);

  return values;
}

/** Values as a list of runs, such as `1,3-5`; the empty string for none. */
export function cronRuns(values: Iterable<number>): string {
  const sorted = [...new Set(values)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let index = 0; index < sorted.length; ) {
    let last = index;
    while (sorted[last + 1] === (sorted[last] ?? 0) + 1) last += 1;
    parts.push(last > index ? `${sorted[index]}-${sorted[last]}` : `${sorted[index]}`);
    index = last + 1;
  }

  return parts.join(',');
}

function toNumber(field: keyof CronFields, value: string, provider?: ProviderName): number {
  const names: readonly string[] =
    field === 'month' ? CRON_MONTH_NAMES : field === 'dayOfWeek' ? CRON_DAY_NAMES : [];
  const named = names.indexOf(value);
  if (named >= 0) return named + (field === 'month' ? 1 : 0);
  const range = CRON_FIELD_RANGES[field];
  const number = Number(value);
  if (Number.isInteger(number) && number >= range.min && number <= range.max) return number;

  throw new InvalidConfigError(
    `Cron ${field} value ${JSON.stringify(value)} is out of range: use ${range.min}-${range.max}` +
      `${names.length > 0 ? ' or a three-letter name' : ''}.`,
    { provider },
  );
}
