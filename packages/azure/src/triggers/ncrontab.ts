import { InvalidConfigError, type RateUnit, type Schedule } from '@cloudport/core';

/** A schedule in the timer trigger's NCRONTAB form, and whether it fires exactly as declared. */
export interface NcrontabSchedule {
  /** Six fields, seconds first: `{second} {minute} {hour} {day} {month} {day-of-week}`. */
  expression: string;
  /** False when a rate has no exact cron form and restarts at each hour, day or month. */
  exact: boolean;
}

interface FieldRange {
  min: number;
  max: number;
  names?: readonly string[];
}

const MINUTE: FieldRange = { min: 0, max: 59 };
const HOUR: FieldRange = { min: 0, max: 23 };
const DAY: FieldRange = { min: 1, max: 31 };
const MONTH: FieldRange = {
  min: 1,
  max: 12,
  names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
};
// Unix cron accepts 0-7 with both 0 and 7 for Sunday; NCRONTAB takes 0-6 only.
const WEEKDAY: FieldRange = {
  min: 0,
  max: 7,
  names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'],
};
const ITEM = /^(\*|[0-9a-z]+)(?:-([0-9a-z]+))?(?:\/([0-9]+))?$/;

/**
 * Translates a neutral schedule into the NCRONTAB expression of the Azure Functions timer
 * trigger: a 5-field cron gains a leading `0` seconds field, names become numbers and
 * day-of-week ranges are rewritten for NCRONTAB's 0-6; a rate becomes a step, such as
 * `0 *\/5 * * * *` for every 5 minutes. Rates that divide an hour (or a day) evenly are exact;
 * others restart at each hour, day or month and are marked `exact: false`. Rates with no cron
 * form at all, such as 90 minutes, raise `INVALID_CONFIG`.
 *
 * @example
 * toNcrontab(parseSchedule('0 9 * * MON-FRI')).expression // '0 0 9 * * 1-5'
 */
export function toNcrontab(schedule: Schedule): NcrontabSchedule {
  if (schedule.kind === 'rate') return fromRate(schedule.expression, schedule.value, schedule.unit);
  const { minute, hour, dayOfMonth, month, dayOfWeek } = schedule.fields;
  const fields = [
    '0',
    translateField(minute, MINUTE),
    translateField(hour, HOUR),
    translateField(dayOfMonth, DAY),
    translateField(month, MONTH),
    translateWeekdays(dayOfWeek),
  ];

  return { expression: fields.join(' '), exact: true };
}

function fromRate(expression: string, value: number, unit: RateUnit): NcrontabSchedule {
  if (unit === 'minute') {
    if (value % 60 === 0) return fromRate(expression, value / 60, 'hour');
    if (value < 60) return { expression: `0 ${step(value)} * * * *`, exact: 60 % value === 0 };
  }
  if (unit === 'hour') {
    if (value % 24 === 0) return fromRate(expression, value / 24, 'day');
    if (value < 24) return { expression: `0 0 ${step(value)} * * *`, exact: 24 % value === 0 };
  }
  if (unit === 'day' && value <= 31) {
    return { expression: `0 0 0 ${step(value)} * *`, exact: value === 1 };
  }

  throw new InvalidConfigError(
    `Schedule ${JSON.stringify(expression)} has no NCRONTAB form for the Azure timer trigger: ` +
      'use a rate that divides an hour or a day (such as 15 minutes or 6 hours), or a cron ' +
      'expression.',
    { provider: 'azure' },
  );
}

function step(value: number): string {
  return value === 1 ? '*' : `*/${value}`;
}

function translateField(text: string, range: FieldRange): string {
  return text
    .split(',')
    .map((item) => {
      const { start, end, every } = parseItem(item, range);
      if (start === undefined) return every === undefined ? '*' : `*/${every}`;
      const last = end ?? (every === undefined ? undefined : range.max);
      const span = last === undefined ? `${start}` : `${start}-${last}`;
      return every === undefined ? span : `${span}/${every}`;
    })
    .join(',');
}

function translateWeekdays(text: string): string {
  if (text === '*') return '*';
  const days = new Set<number>();
  for (const item of text.split(',')) {
    const { start, end, every } = parseItem(item, WEEKDAY);
    const from = start ?? 0;
    const to = end ?? (start === undefined || every !== undefined ? 6 : start);
    for (let day = from; day <= to; day += every ?? 1) days.add(day % 7);
  }

  return compactDays([...days].sort((a, b) => a - b));
}

function compactDays(days: number[]): string {
  if (days.length === 7) return '*';
  const parts: string[] = [];
  for (let index = 0; index < days.length; ) {
    let last = index;
    while (last + 1 < days.length && days[last + 1] === (days[last] ?? 0) + 1) last += 1;
    const first = days[index];
    parts.push(last - index >= 1 ? `${first}-${days[last]}` : `${first}`);
    index = last + 1;
  }

  return parts.join(',');
}

function parseItem(
  item: string,
  range: FieldRange,
): { start?: number; end?: number; every?: number } {
  const match = ITEM.exec(item.toLowerCase());
  if (!match) throw new InvalidConfigError(`Cron field item ${JSON.stringify(item)} is not valid.`);
  const [, first = '*', second, every] = match;

  return {
    start: first === '*' ? undefined : toNumber(first, range),
    end: second === undefined ? undefined : toNumber(second, range),
    every: every === undefined ? undefined : Number(every),
  };
}

function toNumber(value: string, range: FieldRange): number {
  const named = range.names?.indexOf(value) ?? -1;
  if (named >= 0) return named + (range === MONTH ? 1 : 0);
  const number = Number(value);
  if (Number.isInteger(number) && number >= range.min && number <= range.max) return number;

  throw new InvalidConfigError(`Cron value ${JSON.stringify(value)} is out of range.`);
}
