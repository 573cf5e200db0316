import { InvalidConfigError, type Schedule } from '@cloudport/core';

interface FieldRange {
  name: string;
  min: number;
  max: number;
  /** The last value `*` and `start/step` reach, when it is not `max`. */
  last?: number;
  names?: readonly string[];
}

const MINUTE: FieldRange = { name: 'minute', min: 0, max: 59 };
const HOUR: FieldRange = { name: 'hour', min: 0, max: 23 };
const DAY: FieldRange = { name: 'day-of-month', min: 1, max: 31 };
const MONTH: FieldRange = {
  name: 'month',
  min: 1,
  max: 12,
  names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
};
// Unix numbers Sunday 0 and also 7; AWS numbers the days 1-7 = SUN-SAT.
const WEEKDAY: FieldRange = {
  name: 'day-of-week',
  min: 0,
  max: 7,
  last: 6,
  names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'],
};
const ITEM = /^(\*|[0-9a-z]+)(?:-([0-9a-z]+))?(?:\/([0-9]+))?$/;

/**
 * Translates a neutral schedule into the `ScheduleExpression` of an EventBridge Scheduler
 * schedule or a scheduled rule, to be evaluated in UTC (`ScheduleExpressionTimezone: 'UTC'`,
 * Scheduler's default; scheduled rules are always UTC).
 *
 * A cron expression becomes `cron(min hour dom month dow year)`: the year is `*`, the day
 * field left as `*` becomes `?` (day of week when both are), names become numbers, days of
 * week are renumbered 1-7 = SUN-SAT (Unix 0 and 7 are both 1), a step over days of week is
 * written out as a list (AWS has no `/` there), and a step whose range stops before the end of
 * its field is written out as a list too (or as runs, when shorter), so every expression stays
 * within the 256 characters AWS accepts. Everything `parseSchedule` accepts fires at the same
 * minutes on AWS; the one Unix form AWS cannot say, a day of month together with a day of week
 * (Unix fires when either matches), is refused by `parseSchedule` and, in a schedule built by
 * hand, here with `INVALID_CONFIG`. A rate becomes `rate(15 minutes)`, `rate(1 hour)`; AWS
 * counts it from the schedule's `StartDate` (or its creation), not from midnight UTC as the
 * neutral rate does, so set `StartDate` to `nextFireTime(schedule, new Date())` to fire at the
 * same instants (a scheduled rule has no start date and counts from its creation).
 *
 * @see https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
 * @example
 * toScheduleExpression(parseSchedule('0 9 * * MON-FRI')) // 'cron(0 9 ? * 2-6 *)'
 */
export function toScheduleExpression(schedule: Schedule): string {
  if (schedule.kind === 'rate') {
    return `rate(${schedule.value} ${schedule.unit}${schedule.value === 1 ? '' : 's'})`;
  }
  const { minute, hour, dayOfMonth, month, dayOfWeek } = schedule.fields;
  const weekdays = dayOfWeek === '*' ? '*' : toAwsWeekdays(dayOfWeek);
  if (dayOfMonth !== '*' && weekdays !== '*') {
    throw new InvalidConfigError(
      `Schedule ${JSON.stringify(schedule.expression)} has no EventBridge form: it restricts ` +
        'both day of month and day of week, which Unix cron joins with "or" and AWS cron ' +
        'cannot combine; keep one of them "*" or split it into two schedules.',
      { provider: 'aws' },
    );
  }
  // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html
  const fields = [
    toAwsField(minute, MINUTE),
    toAwsField(hour, HOUR),
    weekdays === '*' ? toAwsField(dayOfMonth, DAY) : '?',
    toAwsField(month, MONTH),
    weekdays === '*' ? '?' : weekdays,
    '*',
  ];

  return `cron(${fields.join(' ')})`;
}

/**
 * One Unix field in AWS syntax: item by item, with steps AWS cannot say as `start/step`
 * written out, or as runs of its values when that is shorter (`0-56/2,1-57/2` is `0-57`).
 */
function toAwsField(text: string, range: FieldRange): string {
  const values = new Set<number>();
  const items = text.split(',').map((item) => {
    const { start, end, step } = parseItem(item, range);
    const spanned = series(start, end, step);
    for (const value of spanned) values.add(value);
    if (step === 1) {
      if (start === range.min && end === range.max) return '*';
      return start === end ? `${start}` : `${start}-${end}`;
    }
    const last = spanned[spanned.length - 1] ?? start;
    if (spanned.length === 1) return `${start}`;
    // AWS reads `start/step` as running to the end of the field, as `*/step` does in Unix.
    return last + step > range.max ? `${start}/${step}` : spanned.join(',');
  });
  const itemwise = items.join(',');
  const runs = toRuns(values);

  return runs.length < itemwise.length ? runs : itemwise;
}

/** The Unix day-of-week field as AWS days (1-7 = SUN-SAT), or `*` when it names every day. */
function toAwsWeekdays(text: string): string {
  const days = new Set<number>();
  for (const item of text.split(',')) {
    const { start, end, step } = parseItem(item, WEEKDAY);
    for (const day of series(start, end, step)) days.add((day % 7) + 1);
  }

  return days.size === 7 ? '*' : toRuns(days);
}

/** Values as a list of runs, such as `1,6-7`. */
function toRuns(values: Set<number>): string {
  const sorted = [...values].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let index = 0; index < sorted.length; ) {
    let next = index;
    while (sorted[next + 1] === (sorted[next] ?? 0) + 1) next += 1;
    parts.push(next > index ? `${sorted[index]}-${sorted[next]}` : `${sorted[index]}`);
    index = next + 1;
  }

  return parts.join(',');
}

function series(start: number, end: number, step: number): number[] {
  const values: number[] = [];
  for (let value = start; value <= end; value += step) values.push(value);

  return values;
}

/** An item as the values it spans: `*` is the whole field, `a/n` runs to the field's end. */
function parseItem(item: string, range: FieldRange): { start: number; end: number; step: number } {
  const [, first, second, every] = ITEM.exec(item.toLowerCase()) ?? [];
  const wildcard = first === '*';
  const start = first === undefined || wildcard ? range.min : toNumber(first, range);
  const end =
    second !== undefined
      ? toNumber(second, range)
      : wildcard || every !== undefined
        ? (range.last ?? range.max)
        : start;
  const step = every === undefined ? 1 : Number(every);
  if (first === undefined || (wildcard && second !== undefined) || end < start || step < 1) {
    throw new InvalidConfigError(
      `Cron ${range.name} item ${JSON.stringify(item)} is not valid: write a number, a name, ` +
        'a range or a step, such as 5, MON, 1-5 or */15.',
      { provider: 'aws' },
    );
  }

  return { start, end, step };
}

function toNumber(value: string, range: FieldRange): number {
  const named = range.names?.indexOf(value) ?? -1;
  if (named >= 0) return named + (range === MONTH ? 1 : 0);
  const number = Number(value);
  if (Number.isInteger(number) && number >= range.min && number <= range.max) return number;

  throw new InvalidConfigError(
    `Cron ${range.name} value ${JSON.stringify(value)} is out of range: use ` +
      `${range.min}-${range.max}${range.names ? ' or a three-letter name' : ''}.`,
    { provider: 'aws' },
  );
}
