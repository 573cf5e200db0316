import {
  CRON_DAY_NAMES,
  CRON_MONTH_NAMES,
  InvalidConfigError,
  type PipelineFunction,
  type RateUnit,
  type Schedule,
  type ScheduleTrigger,
} from '@cloudport/core';
import { PROVIDER } from '../errors.js';
import { SCHEDULE_FUNCTION_ATTRIBUTE } from './schedule.js';

/** The time zone of every job: the neutral schedule is written in UTC. */
export const SCHEDULER_TIME_ZONE = 'Etc/UTC';

/** A neutral schedule as a Cloud Scheduler job's `schedule` and `timeZone` fields. */
export interface CloudSchedulerSchedule {
  /** Unix-cron, five fields: `{minute} {hour} {day-of-month} {month} {day-of-week}`. */
  schedule: string;
  /** Always {@link SCHEDULER_TIME_ZONE}. */
  timeZone: typeof SCHEDULER_TIME_ZONE;
  /** False when a rate has no exact cron form and restarts at each hour, day or month. */
  exact: boolean;
}

/**
 * The Cloud Scheduler job that fires a schedule function, in the shape of the API's `Job`
 * (name, retry and description left to deploy): the schedule in UTC and a Pub/Sub target.
 */
export interface CloudSchedulerJob {
  schedule: string;
  timeZone: typeof SCHEDULER_TIME_ZONE;
  pubsubTarget: {
    /** `projects/<project>/topics/<topic>`. */
    topicName: string;
    /** Base64 of `{"schedule":"<expression>"}`. */
    data: string;
    attributes: Record<string, string>;
  };
}

const NAME = /[A-Za-z]{3}/g;

/**
 * Translates a neutral schedule into a Cloud Scheduler job's `schedule` (unix-cron) and
 * `timeZone` (`Etc/UTC`). A cron expression keeps its five fields, with month and weekday
 * names written as numbers (Cloud Scheduler reads names only in upper case; the neutral
 * syntax takes any case). A rate becomes a step: `15 minutes` is `*\/15 * * * *`, `6 hours` is
 * `0 *\/6 * * *`, `1 day` is `0 0 * * *`. Rates that divide an hour or a day fire at the same
 * instants as the neutral rate (which counts from midnight UTC) and are exact; other rates
 * below an hour, a day or a month (`7 minutes`, `5 hours`, `2 days`) restart at each hour, day
 * or month and are marked `exact: false`. A rate with no cron form at all (`90 minutes`,
 * `36 hours`, `40 days`) raises `INVALID_CONFIG`.
 *
 * @see https://cloud.google.com/scheduler/docs/configuring/cron-job-schedules
 * @example
 * toCloudSchedulerSchedule(parseSchedule('0 9 * * MON-FRI'))
 * // { schedule: '0 9 * * 1-5', timeZone: 'Etc/UTC', exact: true }
 */
export function toCloudSchedulerSchedule(schedule: Schedule): CloudSchedulerSchedule {
  if (schedule.kind === 'rate') {
    const { schedule: cron, exact } = fromRate(schedule.expression, schedule.value, schedule.unit);
    return { schedule: cron, timeZone: SCHEDULER_TIME_ZONE, exact };
  }
  const { minute, hour, dayOfMonth, month, dayOfWeek } = schedule.fields;
  const fields = [
    minute,
    hour,
    dayOfMonth,
    numbered(month, CRON_MONTH_NAMES, 1),
    numbered(dayOfWeek, CRON_DAY_NAMES, 0),
  ];

  return { schedule: fields.join(' '), timeZone: SCHEDULER_TIME_ZONE, exact: true };
}

/**
 * The Cloud Scheduler job for a schedule function: its schedule translated by
 * {@link toCloudSchedulerSchedule}, publishing to `topicName` the data and the
 * `cloudport-function` attribute the function's decoding expects. The function's
 * {@link scheduleTopicVariable} should name the same topic.
 *
 * @example
 * toCloudSchedulerJob(pipeline.functions.get('sweep'), 'projects/acme/topics/sweep-schedule')
 */
export function toCloudSchedulerJob(
  fn: PipelineFunction<ScheduleTrigger>,
  topicName: string,
): CloudSchedulerJob {
  if (fn.trigger.kind !== 'schedule') {
    throw new InvalidConfigError(
      `Function ${fn.name} has a ${fn.trigger.kind} trigger; only schedule functions have a job.`,
      { provider: PROVIDER },
    );
  }
  const { schedule, timeZone } = toCloudSchedulerSchedule(fn.trigger.schedule);
  const data = JSON.stringify({ schedule: fn.trigger.schedule.expression });

  return {
    schedule,
    timeZone,
    pubsubTarget: {
      topicName,
      data: Buffer.from(data).toString('base64'),
      attributes: { [SCHEDULE_FUNCTION_ATTRIBUTE]: fn.name },
    },
  };
}

function fromRate(
  expression: string,
  value: number,
  unit: RateUnit,
): { schedule: string; exact: boolean } {
  if (unit === 'minute') {
    if (value % 60 === 0) return fromRate(expression, value / 60, 'hour');
    if (value < 60) return { schedule: `${step(value)} * * * *`, exact: 60 % value === 0 };
  }
  if (unit === 'hour') {
    if (value % 24 === 0) return fromRate(expression, value / 24, 'day');
    if (value < 24) return { schedule: `0 ${step(value)} * * *`, exact: 24 % value === 0 };
  }
  if (unit === 'day' && value <= 31) {
    return { schedule: `0 0 ${step(value)} * *`, exact: value === 1 };
  }

  throw new InvalidConfigError(
    `Schedule ${JSON.stringify(expression)} has no unix-cron form for Cloud Scheduler: use a ` +
      'rate that divides an hour or a day (such as 15 minutes or 6 hours), or a cron expression.',
    { provider: PROVIDER },
  );
}

function step(value: number): string {
  return value === 1 ? '*' : `*/${value}`;
}

/** The field with each name replaced by its number, `first` being the first name's. */
function numbered(field: string, names: readonly string[], first: number): string {
  return field.replace(NAME, (name) => String(names.indexOf(name.toLowerCase()) + first));
}
