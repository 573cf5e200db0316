import { nextFireTime, parseSchedule } from '@cloudport/core';
import { Cron } from 'croner';
import { describe, expect, it } from 'vitest';
import { toNcrontab } from '../src/index.js';

describe('NCRONTAB translation', () => {
  it.each([
    ['0 2 * * *', '0 0 2 * * *'],
    ['*/15 * * * *', '0 */15 * * * *'],
    ['5-59/10 * * * *', '0 5-59/10 * * * *'],
    ['0 0 * * 1-5/2', '0 0 0 * * 1,3,5'],
    ['0 0 * * 6-7', '0 0 0 * * 0,6'],
    ['0 9 * * MON-FRI', '0 0 9 * * 1-5'],
    ['0 9 * * 1-5', '0 0 9 * * 1-5'],
    ['0 0 * * 5-7', '0 0 0 * * 0,5-6'],
    ['0 0 * * 7', '0 0 0 * * 0'],
    ['0 0 * * 0,7', '0 0 0 * * 0'],
    ['0 0 * * SAT,SUN', '0 0 0 * * 0,6'],
    ['0 0 * * */2', '0 0 0 * * 0,2,4,6'],
    ['30 6 1 JAN,JUL *', '0 30 6 1 1,7 *'],
    ['0 12 1-7 * *', '0 0 12 1-7 * *'],
    ['15 minutes', '0 */15 * * * *'],
    ['5 minutes', '0 */5 * * * *'],
    ['1 minute', '0 * * * * *'],
    ['120 minutes', '0 0 */2 * * *'],
    ['6 hours', '0 0 */6 * * *'],
    ['24 hours', '0 0 0 * * *'],
    ['1 day', '0 0 0 * * *'],
  ])('translates %j to %j, exactly', (neutral, ncrontab) => {
    expect(toNcrontab(parseSchedule(neutral))).toEqual({ expression: ncrontab, exact: true });
  });

  it.each([
    ['7 minutes', '0 */7 * * * *'],
    ['5 hours', '0 0 */5 * * *'],
    ['3 days', '0 0 0 */3 * *'],
  ])('marks %j as restarting at each boundary (%j)', (neutral, ncrontab) => {
    expect(toNcrontab(parseSchedule(neutral))).toEqual({ expression: ncrontab, exact: false });
  });

  it.each(['90 minutes', '25 hours', '40 days'])(
    'refuses %j, which NCRONTAB cannot say',
    (neutral) => {
      expect(() => toNcrontab(parseSchedule(neutral))).toThrow(
        expect.objectContaining({ code: 'INVALID_CONFIG', provider: 'azure' }),
      );
    },
  );

  // NCRONTAB's six fields read like croner's six-field cron with seconds first (days of week
  // 0-6, Sunday 0), so the translation must fire at the same instants as the neutral schedule.
  it.each([
    '0 2 * * *',
    '*/15 * * * *',
    '5-59/10 3 * * *',
    '0 9 * * MON-FRI',
    '0 0 * * 5-7',
    '0 0 * * */2',
    '0 0 * * 1-5/2',
    '0 0 * * 6-7',
    '30 6 1 JAN,JUL *',
    '0 12 1-7 * *',
    '10 minutes',
    '2 hours',
    '1 day',
  ])('fires %j at the same times once translated', (neutral) => {
    const schedule = parseSchedule(neutral);
    const ncrontab = new Cron(toNcrontab(schedule).expression, { timezone: 'UTC', paused: true });
    let neutralTime = new Date('2026-01-30T23:59:00Z');
    let azureTime = neutralTime;
    for (let index = 0; index < 40; index += 1) {
      neutralTime = nextFireTime(schedule, neutralTime);
      azureTime = ncrontab.nextRun(azureTime) as Date;
      expect(azureTime.toISOString()).toBe(neutralTime.toISOString());
    }
  });
});
