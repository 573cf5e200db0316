import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import {
  type Logger,
  nextFireTime,
  type Pipeline,
  type PipelineFunction,
  type ScheduleEvent,
  type ScheduleTrigger,
} from '@cloudport/core';
import type { LocalQueue } from '../queue/index.js';

/**
 * The longest single wait before a schedule looks at the clock again. Node fires a timer of
 * more than 2^31 - 1 ms (about 24.8 days) at once, so a far-off firing is reached in steps;
 * short steps also notice the wall clock jumping, as it does when a laptop wakes up.
 */
export const MAX_SCHEDULE_WAIT_MS = 60_000;

/** The time source schedules run on; tests pass their own. */
export interface ScheduleClock {
  now(): number;
  /** Resolves after `ms`, or as soon as `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

const SYSTEM_CLOCK: ScheduleClock = {
  now: () => Date.now(),
  sleep: (ms, signal) => delay(ms, undefined, { signal }).catch(() => {}),
};

/** What schedules need from the runtime. */
export interface ScheduleHost {
  pipeline: Pipeline;
  root: string;
  logger: Logger;
  eventQueue(name: string): LocalQueue<unknown>;
}

/**
 * Fires each schedule of the pipeline until `signal` aborts; resolves when every schedule has
 * stopped. A firing missed while `dev` was down runs once, marked past due. Each firing is
 * queued under its id (function and due time), so it is queued once however often it is
 * attempted, and the last one is kept in `schedules/<function>.json` under the root.
 */
export function startSchedules(
  host: ScheduleHost,
  signal: AbortSignal,
  clock: ScheduleClock = SYSTEM_CLOCK,
): Promise<void> {
  const loops: Array<Promise<void>> = [];
  for (const fn of host.pipeline.functions.values()) {
    if (fn.trigger.kind !== 'schedule') continue;
    const loop = runSchedule(host, fn as PipelineFunction<ScheduleTrigger>, signal, clock);
    loops.push(
      loop.catch((error: unknown) =>
        host.logger.error('schedule stopped', { function: fn.name, error }),
      ),
    );
  }

  return Promise.all(loops).then(() => {});
}

async function runSchedule(
  host: ScheduleHost,
  fn: PipelineFunction<ScheduleTrigger>,
  signal: AbortSignal,
  clock: ScheduleClock,
): Promise<void> {
  const { schedule } = fn.trigger;
  const stateFile = join(host.root, 'schedules', `${fn.name}.json`);
  const fire = async (due: Date, pastDue: boolean) => {
    const event: ScheduleEvent = {
      type: 'schedule',
      id: `${fn.name}@${due.toISOString()}`,
      schedule: schedule.expression,
      time: due.toISOString(),
      pastDue,
      raw: { due: due.toISOString() },
    };
    await host.eventQueue(fn.name).send(event, { deduplicationId: event.id });
    await mkdir(join(host.root, 'schedules'), { recursive: true });
    await writeFile(stateFile, JSON.stringify({ last: due.toISOString() }));
  };

  const failed = (error: unknown) =>
    host.logger.error('schedule firing failed', { function: fn.name, error });

  const last = await readLast(stateFile);
  if (last) {
    const missed = nextFireTime(schedule, last);
    if (missed.getTime() < clock.now()) await fire(missed, true).catch(failed);
  }
  while (!signal.aborted) {
    const due = nextFireTime(schedule, new Date(clock.now()));
    await waitUntil(due.getTime(), clock, signal);
    if (signal.aborted) return;
    await fire(due, false).catch(failed);
  }
}

/** Waits until the clock reads `at`, in steps of at most {@link MAX_SCHEDULE_WAIT_MS}. */
async function waitUntil(at: number, clock: ScheduleClock, signal: AbortSignal): Promise<void> {
  for (let left = at - clock.now(); left > 0 && !signal.aborted; left = at - clock.now()) {
    await clock.sleep(Math.min(left, MAX_SCHEDULE_WAIT_MS), signal);
  }
}

/** The last firing recorded, or undefined when there is none or the file is unreadable. */
async function readLast(stateFile: string): Promise<Date | undefined> {
  try {
    const { last } = JSON.parse(await readFile(stateFile, 'utf8')) as { last?: unknown };
    const date = typeof last === 'string' ? new Date(last) : undefined;
    return date && !Number.isNaN(date.getTime()) ? date : undefined;
  } catch {
    return undefined;
  }
}
