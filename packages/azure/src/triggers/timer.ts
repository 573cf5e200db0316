import type { Timer } from '@azure/functions';
import {
  type Decoded,
  InvalidEventError,
  type PipelineFunction,
  type ScheduleEvent,
  type ScheduleTrigger,
} from '@cloudport/core';

// The host may fire a moment before the occurrence it runs; later than this, it is a startup run.
const EARLY_MS = 5000;

/**
 * Decodes a timer invocation into a schedule event. The host passes the schedule status as it
 * stood before this run, so `scheduleStatus.next` is the occurrence being run: its time is the
 * event's time and, with the function's name, its id, so a retry of the same occurrence keeps
 * it. Without a status (monitoring off) or on a run at startup, the current minute stands in.
 * `isPastDue` (the host was down at the due time) becomes `pastDue`.
 */
export function decodeTimer(
  fn: PipelineFunction<ScheduleTrigger>,
  input: unknown,
  invocationId: string,
  now = Date.now(),
): Decoded {
  const timer = input as Partial<Timer> | null;
  const malformed =
    typeof timer !== 'object' ||
    timer === null ||
    Array.isArray(timer) ||
    (timer.isPastDue !== undefined && typeof timer.isPastDue !== 'boolean');
  if (malformed) {
    const error = new InvalidEventError(
      `Timer invocation of function ${JSON.stringify(fn.name)} has no timer object.`,
      { provider: 'azure' },
    );
    return { id: invocationId, error, raw: input };
  }
  const next = Date.parse(String(timer.scheduleStatus?.next));
  const due =
    !Number.isNaN(next) && next <= now + EARLY_MS ? next : Math.floor(now / 60_000) * 60_000;
  const time = new Date(due).toISOString();
  const event: ScheduleEvent = {
    type: 'schedule',
    id: `${fn.name}@${time}`,
    schedule: fn.trigger.schedule.expression,
    time,
    pastDue: timer.isPastDue === true,
    raw: input,
  };

  return { id: event.id, event };
}
