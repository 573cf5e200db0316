import { Cron } from 'croner';
import { InvalidConfigError } from './errors.js';

/** A parsed schedule: a 5-field UTC cron expression or a fixed rate. */
export type Schedule =
  | { kind: 'cron'; expression: string; fields: CronFields }
  | { kind: 'rate'; expression: string; value: number; unit: RateUnit; seconds: number };

/** The five fields of a cron expression, as written. */
export interface CronFields {
  minute: string;
  hour: string;
  dayOfMonth: string;
  month: string;
  dayOfWeek: string;
}

/** Units a rate can be written in. */
export type RateUnit = 'minute' | 'hour' | 'day';

const FIELD_NAMES: Array<keyof CronFields> = ['minute', 'hour', 'dayOfMonth', 'month', 'dayOfWeek'];
const UNIT_SECONDS: Record<RateUnit, number> = { minute: 60, hour: 3600, day: 86_400 };
// Plain numbers, names, ranges, lists and steps: what AWS, Cloud Scheduler and NCRONTAB share.
const VALUE = '(?:[0-9]+|[A-Za-z]{3})';
const ITEM = `(?:\\*|${VALUE}(?:-${VALUE})?)(?:/[0-9]+)?`;
const PORTABLE_FIELD = new RegExp(`^${ITEM}(?:,${ITEM})*$`);
const RATE = /^(?:every\s+)?([0-9]+)\s+(minute|hour|day)s?$/i;

/**
 * Parses and validates a schedule: `'<min> <hour> <day-of-month> <month> <day-of-week>'` in
 * UTC, or a rate such as `'5 minutes'` or `'every 1 hour'`.
 *
 * Only what every provider can express is accepted: no seconds, no `L`, `W`, `#` or `?`, and
 * not both a day of month and a day of week (AWS cannot say "either"). Throws `INVALID_CONFIG`
 * naming the field at fault.
 */
export function parseSchedule(expression: string): Schedule {
  const text = typeof expression === 'string' ? expression.trim() : '';
  const rate = RATE.exec(text);
  if (rate) return parseRate(text, Number(rate[1]), rate[2]!.toLowerCase() as RateUnit);

  const parts = text.split(/\s+/);
  if (parts.length !== 5) {
    throw invalid(expression, `it has ${parts.length} fields; write exactly five (no seconds)`);
  }
  const fields = Object.fromEntries(
    FIELD_NAMES.map((n, i) => [n, parts[i]]),
  ) as unknown as CronFields;
  for (const name of FIELD_NAMES) {
    if (!PORTABLE_FIELD.test(fields[name])) {
      throw invalid(
        expression,
        `the ${name} field ${JSON.stringify(fields[name])} is not portable`,
      );
    }
  }
  if (fields.dayOfMonth !== '*' && fields.dayOfWeek !== '*') {
    throw invalid(expression, 'it restricts both day of month and day of week; keep one "*"');
  }
  let cron: Cron;
  try {
    cron = new Cron(text, { timezone: 'UTC', paused: true, mode: '5-part' });
  } catch (cause) {
    throw invalid(expression, (cause as Error).message.replace(/^CronPattern: /, ''), cause);
  }
  if (!cron.nextRun()) throw invalid(expression, 'it never fires');

  return { kind: 'cron', expression: text, fields };
}

/** The first firing strictly after `after`, in UTC. */
export function nextFireTime(schedule: Schedule, after: Date): Date {
  if (schedule.kind === 'rate') {
    const step = schedule.seconds * 1000;
    return new Date((Math.floor(after.getTime() / step) + 1) * step);
  }
  const cron = new Cron(schedule.expression, { timezone: 'UTC', paused: true, mode: '5-part' });
  const next = cron.nextRun(after);
  if (!next) throw invalid(schedule.expression, 'it never fires');

  return next;
}

function parseRate(expression: string, value: number, unit: RateUnit): Schedule {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw invalid(expression, 'a rate needs a whole number of at least 1');
  }

  return { kind: 'rate', expression, value, unit, seconds: value * UNIT_SECONDS[unit] };
}

function invalid(expression: unknown, reason: string, cause?: unknown): InvalidConfigError {
  return new InvalidConfigError(
    `Schedule ${JSON.stringify(expression)} is invalid: ${reason}. ` +
      "Use 5-field cron in UTC (for example '0 2 * * *') or a rate such as '15 minutes'.",
    { cause },
  );
}
