import {
  type Decoded,
  InvalidEventError,
  type PipelineFunction,
  type ScheduleEvent,
  type ScheduleTrigger,
} from '@cloudport/core';
import type { ScheduledRuleEvent, SchedulerInput } from '../events.js';
import { describe } from './shared.js';

/**
 * Turns one schedule firing into a schedule event. Two sources are accepted:
 *
 * - EventBridge Scheduler, invoking the function with the input deploy configures
 *   (`SCHEDULER_INPUT`): the id is the schedule's ARN with the scheduled time, which stays the
 *   same when Scheduler or Lambda retries the firing.
 * - A classic EventBridge scheduled rule (`detail-type: "Scheduled Event"`): the id is the
 *   event's own id, which Lambda's retries keep.
 *
 * Input of neither shape raises `INVALID_EVENT` for the whole invocation; a recognised input
 * with a bad time becomes an `INVALID_EVENT` unit, dead-lettered like any other event.
 */
// https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-context-attributes.html
export function decodeScheduleEvent(
  fn: PipelineFunction<ScheduleTrigger>,
  input: unknown,
): Decoded[] {
  const scheduler = input as SchedulerInput | null;
  if (scheduler?.cloudport === 'schedule') {
    const id = `${scheduler.schedule || fn.name}@${String(scheduler.time)}`;
    return [toUnit(fn, id, scheduler.time, input)];
  }
  const rule = input as ScheduledRuleEvent | null;
  if (rule?.['detail-type'] === 'Scheduled Event' && rule.source === 'aws.events') {
    const id = typeof rule.id === 'string' && rule.id !== '' ? rule.id : undefined;
    return [toUnit(fn, id, rule.time, input)];
  }

  throw new InvalidEventError(
    `Function ${JSON.stringify(fn.name)} expected an EventBridge Scheduler input ` +
      `({"cloudport":"schedule",...}) or a scheduled-rule event, got ${describe(input)}; ` +
      'check the schedule target deploy configured.',
    { provider: 'aws' },
  );
}

function toUnit(
  fn: PipelineFunction<ScheduleTrigger>,
  id: string | undefined,
  time: unknown,
  raw: unknown,
): Decoded {
  const unitId = id ?? `${fn.name}@${String(time)}`;
  const problem = timeProblem(time) ?? (id === undefined ? 'has no event id' : undefined);
  if (problem !== undefined) {
    const error = new InvalidEventError(
      `Schedule firing for function ${JSON.stringify(fn.name)} ${problem}.`,
      { provider: 'aws' },
    );
    return { id: unitId, error, raw };
  }
  const event: ScheduleEvent = {
    type: 'schedule',
    id: unitId,
    schedule: fn.trigger.schedule.expression,
    time: time as string,
    raw,
  };

  return { id: unitId, event };
}

function timeProblem(time: unknown): string | undefined {
  if (typeof time !== 'string') return 'has no time';
  if (time.includes('<aws.scheduler.')) {
    return `has time ${JSON.stringify(time)}: the target input is not a Scheduler input template`;
  }

  return Number.isNaN(Date.parse(time))
    ? `has time ${JSON.stringify(time)}, not ISO 8601`
    : undefined;
}
