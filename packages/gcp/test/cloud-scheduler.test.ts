import {
  definePipeline,
  type Logger,
  nextFireTime,
  onSchedule,
  type PipelineFunction,
  parseSchedule,
  type ScheduleTrigger,
} from '@cloudport/core';
import { describe, expect, it } from 'vitest';
import {
  type FunctionRegistry,
  registerFunctions,
  SCHEDULE_FUNCTION_ATTRIBUTE,
  toCloudSchedulerJob,
  toCloudSchedulerSchedule,
} from '../src/index.js';

/** The first `count` firings of a neutral schedule after a fixed instant, in UTC. */
function firings(expression: string, count: number): string[] {
  const schedule = parseSchedule(expression);
  const times: string[] = [];
  let after = new Date('2026-01-30T22:47:13Z');
  for (let index = 0; index < count; index++) {
    after = nextFireTime(schedule, after);
    times.push(after.toISOString());
  }

  return times;
}

describe('toCloudSchedulerSchedule', () => {
  it.each([
    ['0 2 * * *', '0 2 * * *'],
    ['*/5 * * * *', '*/5 * * * *'],
    ['0 9 * * MON-FRI', '0 9 * * 1-5'],
    ['0 9 * * mon,wed,FRI', '0 9 * * 1,3,5'],
    ['30 6 1 JAN,JUL *', '30 6 1 1,7 *'],
    ['0 0 * * 5-7', '0 0 * * 5-7'],
    ['0 0 * * SUN', '0 0 * * 0'],
    ['0 8-18/2 * * *', '0 8-18/2 * * *'],
  ])('keeps cron %s as %s in Etc/UTC', (expression, schedule) => {
    expect(toCloudSchedulerSchedule(parseSchedule(expression))).toEqual({
      schedule,
      timeZone: 'Etc/UTC',
      exact: true,
    });
  });

  it.each([
    ['1 minute', '* * * * *'],
    ['15 minutes', '*/15 * * * *'],
    ['every 30 minutes', '*/30 * * * *'],
    ['60 minutes', '0 * * * *'],
    ['120 minutes', '0 */2 * * *'],
    ['1 hour', '0 * * * *'],
    ['6 hours', '0 */6 * * *'],
    ['24 hours', '0 0 * * *'],
    ['1 day', '0 0 * * *'],
  ])('writes the rate %s as the exact step %s', (expression, schedule) => {
    const translated = toCloudSchedulerSchedule(parseSchedule(expression));

    expect(translated).toEqual({ schedule, timeZone: 'Etc/UTC', exact: true });
    expect(firings(schedule, 30)).toEqual(firings(expression, 30));
  });

  it.each([
    ['7 minutes', '*/7 * * * *'],
    ['45 minutes', '*/45 * * * *'],
    ['5 hours', '0 */5 * * *'],
    ['2 days', '0 0 */2 * *'],
  ])('marks the rate %s, written %s, as not exact', (expression, schedule) => {
    const translated = toCloudSchedulerSchedule(parseSchedule(expression));

    expect(translated).toEqual({ schedule, timeZone: 'Etc/UTC', exact: false });
    expect(firings(schedule, 60)).not.toEqual(firings(expression, 60));
  });

  it.each(['90 minutes', '36 hours', '40 days'])(
    'refuses the rate %s with INVALID_CONFIG',
    (expression) => {
      expect(() => toCloudSchedulerSchedule(parseSchedule(expression))).toThrow(
        expect.objectContaining({ code: 'INVALID_CONFIG', provider: 'gcp' }),
      );
    },
  );
});

describe('toCloudSchedulerJob', () => {
  it("publishes the schedule and the function's attribute to the topic", () => {
    const pipeline = definePipeline('jobs', {
      'nightly-sweep': { trigger: onSchedule('0 3 * * MON-FRI'), handler: () => {} },
    });
    const fn = pipeline.functions.get('nightly-sweep') as PipelineFunction<ScheduleTrigger>;
    const job = toCloudSchedulerJob(fn, 'projects/acme/topics/nightly-sweep');

    expect(job).toEqual({
      schedule: '0 3 * * 1-5',
      timeZone: 'Etc/UTC',
      pubsubTarget: {
        topicName: 'projects/acme/topics/nightly-sweep',
        data: Buffer.from('{"schedule":"0 3 * * MON-FRI"}').toString('base64'),
        attributes: { [SCHEDULE_FUNCTION_ATTRIBUTE]: 'nightly-sweep' },
      },
    });
  });
});

describe('registerFunctions and schedules', () => {
  const registry: FunctionRegistry = { http: () => {}, cloudEvent: () => {} };

  it('gives each schedule function its Cloud Scheduler form, warning when not exact', () => {
    const warnings: unknown[] = [];
    const logger: Logger = {
      debug: () => {},
      info: () => {},
      warn: (message, fields) => warnings.push({ message, ...fields }),
      error: () => {},
      child: () => logger,
    };
    const pipeline = definePipeline('timers', {
      sweep: { trigger: onSchedule('15 minutes'), handler: () => {} },
      odd: { trigger: onSchedule('7 minutes'), handler: () => {} },
    });
    const registration = registerFunctions(pipeline, { env: {}, registry, logger });

    expect(Object.fromEntries(registration.schedules)).toEqual({
      sweep: { schedule: '*/15 * * * *', timeZone: 'Etc/UTC', exact: true },
      odd: { schedule: '*/7 * * * *', timeZone: 'Etc/UTC', exact: false },
    });
    expect(warnings).toEqual([
      expect.objectContaining({ function: 'odd', schedule: '7 minutes', cron: '*/7 * * * *' }),
    ]);
  });

  it('refuses to register a rate with no cron form', () => {
    const pipeline = definePipeline('timers', {
      slow: { trigger: onSchedule('90 minutes'), handler: () => {} },
    });

    expect(() => registerFunctions(pipeline, { env: {}, registry, logger: false })).toThrow(
      /90 minutes/,
    );
  });
});
