import { nextFireTime, parseSchedule, type Schedule } from '@cloudport/core';
import { describe, expect, it } from 'vitest';
import { toScheduleExpression } from '../src/index.js';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const FROM = new Date('2027-12-30T22:47:13Z');

// A strict reading of the EventBridge cron grammar, only as far as the translation uses it:
// numbers, `*`, `?`, ranges, lists and `start/step` (no `/` in day of week), 1-7 = SUN-SAT.
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html
const AWS_FIELDS = [
  { min: 0, max: 59, step: true },
  { min: 0, max: 23, step: true },
  { min: 1, max: 31, step: true },
  { min: 1, max: 12, step: true },
  { min: 1, max: 7, step: false },
];

function awsField(text: string, index: number): Set<number> | undefined {
  const { min, max, step } = AWS_FIELDS[index]!;
  if (text === '?' && (index === 2 || index === 4)) return undefined;
  const values = new Set<number>();
  for (const item of text.split(',')) {
    const match = /^(?:(\*)|(\d+)(?:-(\d+)|\/(\d+))?)$/.exec(item);
    if (!match || (match[4] !== undefined && !step)) throw new Error(`AWS refuses ${item}`);
    const from = match[1] ? min : Number(match[2]);
    const to = match[3] !== undefined ? Number(match[3]) : match[1] || match[4] ? max : from;
    if (from < min || to > max || to < from) throw new Error(`AWS refuses ${item}`);
    for (let value = from; value <= to; value += Number(match[4] ?? 1)) values.add(value);
  }

  return values;
}

/** The first `count` firings of an AWS cron expression after `after`, as AWS reads it. */
function awsCronFirings(expression: string, after: Date, count: number): string[] {
  const fields = /^cron\((.*) \*\)$/.exec(expression)?.[1]?.split(' ') ?? [];
  if (fields.length !== 5) throw new Error(`not six AWS cron fields: ${expression}`);
  const [minutes, hours, days, months, weekdays] = fields.map(awsField);
  const sorted = (values: Set<number> | undefined) => [...(values ?? [])].sort((a, b) => a - b);
  if ((days === undefined) === (weekdays === undefined)) throw new Error('needs exactly one ?');
  const times: string[] = [];
  for (let day = after.getTime() - (after.getTime() % DAY_MS); times.length < count; ) {
    const date = new Date(day);
    const dayMatches = days
      ? days.has(date.getUTCDate())
      : weekdays?.has(date.getUTCDay() + 1) === true;
    for (const hour of dayMatches && months?.has(date.getUTCMonth() + 1) ? sorted(hours) : []) {
      for (const minute of sorted(minutes)) {
        const time = day + (hour * 60 + minute) * MINUTE_MS;
        if (time > after.getTime() && times.length < count) {
          times.push(new Date(time).toISOString());
        }
      }
    }
    day += DAY_MS;
    if (day - after.getTime() > 200 * 366 * DAY_MS) throw new Error('never fires');
  }

  return times;
}

/** The firings of an AWS rate expression whose schedule starts at `start`. */
function awsRateFirings(expression: string, start: Date, count: number): string[] {
  const match = /^rate\(([1-9]\d*) (minute|hour|day)(s?)\)$/.exec(expression);
  if (!match || (match[1] === '1') !== (match[3] === '')) throw new Error(`bad ${expression}`);
  const unit = { minute: MINUTE_MS, hour: 60 * MINUTE_MS, day: DAY_MS }[match[2]!]!;
  const step = Number(match[1]) * unit;

  return Array.from({ length: count }, (_, k) =>
    new Date(start.getTime() + k * step).toISOString(),
  );
}

function neutralFirings(schedule: Schedule, count: number): string[] {
  const times: string[] = [];
  for (let after = FROM; times.length < count; ) {
    after = nextFireTime(schedule, after);
    times.push(after.toISOString());
  }

  return times;
}

describe('toScheduleExpression', () => {
  it.each([
    ['0 2 * * *', 'cron(0 2 * * ? *)'],
    ['* * * * *', 'cron(* * * * ? *)'],
    ['*/15 * * * *', 'cron(0/15 * * * ? *)'],
    ['5-59/10 * * * *', 'cron(5/10 * * * ? *)'],
    ['0-30/10 8-18/2 * * *', 'cron(0,10,20,30 8,10,12,14,16,18 * * ? *)'],
    ['*/59 0-23/1 * * *', 'cron(0/59 * * * ? *)'],
    ['0 9 * * MON-FRI', 'cron(0 9 ? * 2-6 *)'],
    ['0 9 * * 1-5', 'cron(0 9 ? * 2-6 *)'],
    ['0 9 * * mon,wed,FRI', 'cron(0 9 ? * 2,4,6 *)'],
    ['0 0 * * 0', 'cron(0 0 ? * 1 *)'],
    ['0 0 * * 7', 'cron(0 0 ? * 1 *)'],
    ['0 0 * * 0,7', 'cron(0 0 ? * 1 *)'],
    ['0 0 * * SUN', 'cron(0 0 ? * 1 *)'],
    ['0 0 * * 6', 'cron(0 0 ? * 7 *)'],
    ['0 0 * * 6-7', 'cron(0 0 ? * 1,7 *)'],
    ['0 0 * * sat,SUN', 'cron(0 0 ? * 1,7 *)'],
    ['0 0 * * 5-7', 'cron(0 0 ? * 1,6-7 *)'],
    ['0 0 * * */2', 'cron(0 0 ? * 1,3,5,7 *)'],
    ['0 0 * * */3', 'cron(0 0 ? * 1,4,7 *)'],
    ['0 0 * * 1-5/2', 'cron(0 0 ? * 2,4,6 *)'],
    ['0 0 * * 1-7/3', 'cron(0 0 ? * 1-2,5 *)'],
    ['0 0 * * 0-6', 'cron(0 0 * * ? *)'],
    ['0 0 * * 0-7', 'cron(0 0 * * ? *)'],
    ['15 3 * feb-apr sun', 'cron(15 3 ? 2-4 1 *)'],
    ['30 6 1 JAN,JUL *', 'cron(30 6 1 1,7 ? *)'],
    ['0 12 1-7 * *', 'cron(0 12 1-7 * ? *)'],
    ['0 0 */10 * *', 'cron(0 0 1/10 * ? *)'],
    ['0 0 1 */5 *', 'cron(0 0 1 1/5 ? *)'],
    ['0 0 1 jan-mar/2 *', 'cron(0 0 1 1,3 ? *)'],
    ['0 0 29 2 *', 'cron(0 0 29 2 ? *)'],
    ['0-56/2,1-57/2 0-20/2,1-21/2 1-27/2,2-28/2 1-9/2,2-10/2 *', 'cron(0-57 0-21 1-28 1-10 ? *)'],
  ])('translates %j to %j, firing at the same times', (neutral, aws) => {
    const schedule = parseSchedule(neutral);
    const expression = toScheduleExpression(schedule);

    expect(expression).toBe(aws);
    expect(awsCronFirings(expression, FROM, 30)).toEqual(neutralFirings(schedule, 30));
  });

  it.each([
    ['1 minute', 'rate(1 minute)'],
    ['15 minutes', 'rate(15 minutes)'],
    ['7 minutes', 'rate(7 minutes)'],
    ['60 minutes', 'rate(60 minutes)'],
    ['90 minutes', 'rate(90 minutes)'],
    ['every 1 hour', 'rate(1 hour)'],
    ['6 hours', 'rate(6 hours)'],
    ['36 hours', 'rate(36 hours)'],
    ['1 day', 'rate(1 day)'],
    ['40 days', 'rate(40 days)'],
  ])(
    'writes the rate %j as %j, firing with the neutral rate from its StartDate',
    (neutral, aws) => {
      const schedule = parseSchedule(neutral);
      const expression = toScheduleExpression(schedule);
      const start = nextFireTime(schedule, FROM);

      expect(expression).toBe(aws);
      expect(awsRateFirings(expression, start, 30)).toEqual(neutralFirings(schedule, 30));
    },
  );

  // Pairs of values with one-value gaps cost AWS the most characters in any form.
  it('stays within the 256 characters AWS accepts for the longest cron it can be given', () => {
    const pairs = (min: number, max: number) =>
      Array.from({ length: max - min + 1 }, (_, i) => min + i).filter((v) => (v - min) % 3 !== 0);
    const fields = [pairs(0, 59), pairs(0, 23), pairs(1, 31), pairs(1, 12)];
    const schedule = parseSchedule(`${fields.map((field) => field.join(',')).join(' ')} *`);
    const expression = toScheduleExpression(schedule);

    expect(expression.length).toBeLessThanOrEqual(256);
    expect(awsCronFirings(expression, FROM, 30)).toEqual(neutralFirings(schedule, 30));
  });

  it('refuses a schedule that restricts both day fields, which AWS cannot combine', () => {
    const fields = { minute: '0', hour: '0', dayOfMonth: '1', month: '*', dayOfWeek: 'MON' };
    const schedule: Schedule = { kind: 'cron', expression: '0 0 1 * MON', fields };

    expect(() => toScheduleExpression(schedule)).toThrow(
      expect.objectContaining({
        code: 'INVALID_CONFIG',
        provider: 'aws',
        message: expect.stringMatching(/"0 0 1 \* MON".*keep one of them "\*"/),
      }),
    );
  });

  it.each([
    ['minute', '61'],
    ['hour', '5-2'],
    ['dayOfWeek', '*/0'],
    ['month', 'jun-*'],
  ])('refuses a hand-made schedule whose %s is %j', (field, value) => {
    const fields = { minute: '0', hour: '0', dayOfMonth: '*', month: '*', dayOfWeek: '*' };
    const schedule: Schedule = {
      kind: 'cron',
      expression: 'hand-made',
      fields: { ...fields, [field]: value },
    };

    expect(() => toScheduleExpression(schedule)).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG', provider: 'aws' }),
    );
  });
});
