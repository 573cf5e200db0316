import {
  type CronFields,
  cronItems,
  cronItemValues,
  cronRuns,
  InvalidConfigError,
  type RateUnit,
  type Schedule,
} from '@cloudport/core';

/** A schedule in the timer trigger's NCRONTAB form, and whether it fires exactly as declared. */
export interface NcrontabSchedule {
  /** Six fields, seconds first: `{second} {minute} {hour} {day} {month} {day-of-week}`. */
  expression: string;
  /** False when a rate has no exact cron form and restarts at each hour, day or month. */
  exact: boolean;
}

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
  const { fields } = schedule;
  const written = [
    '0',
    translateField(fields, 'minute'),
    translateField(fields, 'hour'),
    translateField(fields, 'dayOfMonth'),
    translateField(fields, 'month'),
    translateWeekdays(fields),
  ];

  return { expression: written.join(' '), exact: true };
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

function translateField(fields: CronFields, field: keyof CronFields): string {
  return cronItems(fields, field, 'azure')
    .map(({ wildcard, start, end, ranged, step }) => {
      if (wildcard) return step === 1 ? '*' : `*/${step}`;
      const span = ranged || step > 1 ? `${start}-${end}` : `${start}`;
      return step === 1 ? span : `${span}/${step}`;
    })
    .join(',');
}

// Unix cron takes 0-7, with both 0 and 7 for Sunday; NCRONTAB takes 0-6 only.
function translateWeekdays(fields: CronFields): string {
  if (fields.dayOfWeek === '*') return '*';
  const days = new Set<number>();
  for (const item of cronItems(fields, 'dayOfWeek', 'azure')) {
    for (const day of cronItemValues(item)) days.add(day % 7);
  }

  return days.size === 7 ? '*' : cronRuns(days);
}
