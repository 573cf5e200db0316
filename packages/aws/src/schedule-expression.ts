import {
  CRON_FIELD_RANGES,
  type CronFields,
  cronItems,
  cronItemValues,
  cronRuns,
  InvalidConfigError,
  type Schedule,
} from '@cloudport/core';

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
  const { fields } = schedule;
  const weekdays = fields.dayOfWeek === '*' ? '*' : toAwsWeekdays(fields);
  if (fields.dayOfMonth !== '*' && weekdays !== '*') {
    throw new InvalidConfigError(
      `Schedule ${JSON.stringify(schedule.expression)} has no EventBridge form: it restricts ` +
        'both day of month and day of week, which Unix cron joins with "or" and AWS cron ' +
        'cannot combine; keep one of them "*" or split it into two schedules.',
      { provider: 'aws' },
    );
  }
  // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html
  const written = [
    toAwsField(fields, 'minute'),
    toAwsField(fields, 'hour'),
    weekdays === '*' ? toAwsField(fields, 'dayOfMonth') : '?',
    toAwsField(fields, 'month'),
    weekdays === '*' ? '?' : weekdays,
    '*',
  ];

  return `cron(${written.join(' ')})`;
}

/**
 * One Unix field in AWS syntax: item by item, with steps AWS cannot say as `start/step`
 * written out, or as runs of its values when that is shorter (`0-56/2,1-57/2` is `0-57`).
 */
function toAwsField(fields: CronFields, field: keyof CronFields): string {
  const range = CRON_FIELD_RANGES[field];
  const values: number[] = [];
  const items = cronItems(fields, field, 'aws').map((item) => {
    const { start, end, step } = item;
    const spanned = cronItemValues(item);
    values.push(...spanned);
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
  const runs = cronRuns(values);

  return runs.length < itemwise.length ? runs : itemwise;
}

/** The Unix day-of-week field as AWS days (1-7 = SUN-SAT), or `*` when it names every day. */
function toAwsWeekdays(fields: CronFields): string {
  const days = new Set<number>();
  for (const item of cronItems(fields, 'dayOfWeek', 'aws')) {
    for (const day of cronItemValues(item)) days.add((day % 7) + 1);
  }

  return days.size === 7 ? '*' : cronRuns(days);
}
