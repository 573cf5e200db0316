import { InvalidConfigError, nextFireTime, parseSchedule, type Schedule } from '@cloudport/core';
import { describe, expect, it } from 'vitest';

function rejection(expression: string): InvalidConfigError {
  try {
    parseSchedule(expression);
  } catch (error) {
    if (error instanceof InvalidConfigError) return error;
    throw error;
  }
  throw new Error(`parseSchedule accepted ${JSON.stringify(expression)}`);
}

describe('parseSchedule with cron expressions', () => {
  it.each([
    { expression: '0 2 * * *', dayOfWeek: '*' },
    { expression: '*/15 * * * *', dayOfWeek: '*' },
    { expression: '0 9-17 * * 1-5', dayOfWeek: '1-5' },
    { expression: '0 0 * * MON-FRI', dayOfWeek: 'MON-FRI' },
    { expression: '30 6 1,15 * *', dayOfWeek: '*' },
    { expression: '0 0 1 JAN *', dayOfWeek: '*' },
    { expression: '0 12 * * 0,6', dayOfWeek: '0,6' },
  ])('accepts $expression', ({ expression, dayOfWeek }) => {
    const schedule = parseSchedule(expression);

    expect(schedule.kind).toBe('cron');
    if (schedule.kind !== 'cron') return;
    expect(schedule.expression).toBe(expression);
    expect(schedule.fields.dayOfWeek).toBe(dayOfWeek);
  });

  it('splits the five fields by name and trims surrounding space', () => {
    expect(parseSchedule('  5 4  3 2 * ')).toEqual({
      kind: 'cron',
      expression: '5 4  3 2 *',
      fields: { minute: '5', hour: '4', dayOfMonth: '3', month: '2', dayOfWeek: '*' },
    });
  });

  it.each([
    { expression: '* * * *', reason: 'it has 4 fields' },
    { expression: '0 * * * * *', reason: 'it has 6 fields' },
    { expression: '', reason: 'it has 1 fields' },
    { expression: '0 0 ? * *', reason: 'dayOfMonth field "?" is not portable' },
    { expression: '0 0 * * 5#2', reason: 'dayOfWeek field "5#2" is not portable' },
    { expression: '0 0 * * SUN#1', reason: 'dayOfWeek field "SUN#1" is not portable' },
    { expression: '0 0 1 * 1', reason: 'both day of month and day of week' },
    { expression: '0 0 */2 * MON', reason: 'both day of month and day of week' },
    { expression: '60 * * * *', reason: 'minute' },
    { expression: '* 24 * * *', reason: 'hour' },
    { expression: '* * 32 * *', reason: 'day' },
    { expression: '* * 0 * *', reason: 'day' },
    { expression: '* * * 13 *', reason: 'month' },
    { expression: '* * * * 8', reason: 'dayOfWeek' },
    { expression: '5-2 * * * *', reason: '5-2' },
    { expression: '*/0 * * * *', reason: 'stepping' },
  ])('rejects $expression: $reason', ({ expression, reason }) => {
    const error = rejection(expression);

    expect(error.code).toBe('INVALID_CONFIG');
    expect(error.message).toContain(JSON.stringify(expression));
    expect(error.message).toContain(reason);
  });

  it('keeps the cron library error as the cause of an out-of-range rejection', () => {
    const error = rejection('60 * * * *');

    expect(error.cause).toBeInstanceOf(Error);
  });
});

describe('parseSchedule with rates', () => {
  it.each([
    { expression: '1 minute', value: 1, unit: 'minute', seconds: 60 },
    { expression: '15 minutes', value: 15, unit: 'minute', seconds: 900 },
    { expression: 'every 2 hours', value: 2, unit: 'hour', seconds: 7200 },
    { expression: 'Every 1 Day', value: 1, unit: 'day', seconds: 86_400 },
    { expression: '3 days', value: 3, unit: 'day', seconds: 259_200 },
  ])('reads $expression as $seconds seconds', ({ expression, value, unit, seconds }) => {
    expect(parseSchedule(expression)).toEqual({ kind: 'rate', expression, value, unit, seconds });
  });

  it.each([
    { expression: '0 minutes', reason: 'at least 1' },
    { expression: '99999999999999999999 minutes', reason: 'at least 1' },
    { expression: '5 seconds', reason: '2 fields' },
    { expression: '2 weeks', reason: '2 fields' },
    { expression: '1.5 hours', reason: '2 fields' },
    { expression: '-1 hours', reason: '2 fields' },
    { expression: 'every minute', reason: '2 fields' },
    { expression: 'rate(5 minutes)', reason: '2 fields' },
  ])('rejects the rate $expression', ({ expression, reason }) => {
    const error = rejection(expression);

    expect(error.code).toBe('INVALID_CONFIG');
    expect(error.message).toContain(reason);
  });

  it('rejects a value that is not a string', () => {
    expect(rejection(5 as unknown as string).code).toBe('INVALID_CONFIG');
  });
});

describe('nextFireTime', () => {
  it.each([
    {
      expression: '0 2 * * *',
      after: '2026-03-10T01:59:59.999Z',
      next: '2026-03-10T02:00:00.000Z',
    },
    {
      expression: '0 2 * * *',
      after: '2026-03-10T02:00:00.000Z',
      next: '2026-03-11T02:00:00.000Z',
    },
    {
      expression: '0 2 * * *',
      after: '2026-03-10T02:00:00.500Z',
      next: '2026-03-11T02:00:00.000Z',
    },
    {
      expression: '*/15 * * * *',
      after: '2026-01-01T00:00:00.000Z',
      next: '2026-01-01T00:15:00.000Z',
    },
    {
      expression: '0 0 * * MON',
      after: '2026-01-01T12:00:00.000Z',
      next: '2026-01-05T00:00:00.000Z',
    },
    {
      expression: '0 0 29 2 *',
      after: '2026-03-01T00:00:00.000Z',
      next: '2028-02-29T00:00:00.000Z',
    },
    {
      expression: '0 0 1 JAN *',
      after: '2026-01-01T00:00:00.000Z',
      next: '2027-01-01T00:00:00.000Z',
    },
  ])('fires $expression after $after at $next (UTC)', ({ expression, after, next }) => {
    const fired = nextFireTime(parseSchedule(expression), new Date(after));

    expect(fired.toISOString()).toBe(next);
  });

  it.each([
    {
      expression: '5 minutes',
      after: '2026-03-10T10:02:30.000Z',
      next: '2026-03-10T10:05:00.000Z',
    },
    {
      expression: '5 minutes',
      after: '2026-03-10T10:05:00.000Z',
      next: '2026-03-10T10:10:00.000Z',
    },
    { expression: '1 hour', after: '2026-03-10T10:59:59.999Z', next: '2026-03-10T11:00:00.000Z' },
    { expression: '1 day', after: '2026-03-10T23:30:00.000Z', next: '2026-03-11T00:00:00.000Z' },
  ])('fires the rate $expression after $after at $next', ({ expression, after, next }) => {
    const fired = nextFireTime(parseSchedule(expression), new Date(after));

    expect(fired.toISOString()).toBe(next);
  });

  it('raises INVALID_CONFIG for a cron schedule whose date never comes', () => {
    const fields = { minute: '0', hour: '0', dayOfMonth: '31', month: '2,4', dayOfWeek: '*' };
    const schedule: Schedule = { kind: 'cron', expression: '0 0 31 2,4 *', fields };
    const fire = () => nextFireTime(schedule, new Date('2026-01-01T00:00:00Z'));

    expect(fire).toThrow(InvalidConfigError);
    expect(fire).toThrow(/never fires/);
  });
});

describe('parseSchedule: provider-specific tokens and impossible dates', () => {
  it.each(['0 0 L * *', '0 0 15W * *', '0 0 LW * *', '0 0 * * 5L', '0 0 * * 5#2', '0 0 ? * *'])(
    'refuses %s, which not every provider can express',
    (expression) => {
      expect(() => parseSchedule(expression)).toThrow(/not portable/);
    },
  );

  it.each(['0 0 30 2 *', '0 0 31 2,4 *'])('refuses %s, which never fires', (expression) => {
    expect(() => parseSchedule(expression)).toThrow(/never fires/);
  });

  it('accepts the 29th of February, which fires in leap years', () => {
    expect(parseSchedule('0 0 29 2 *').kind).toBe('cron');
  });
});
