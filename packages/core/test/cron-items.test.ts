import {
  cronItems,
  cronItemValues,
  cronRuns,
  isCloudportError,
  parseSchedule,
} from '@cloudport/core';
import { describe, expect, it } from 'vitest';

const fields = (expression: string) => {
  const schedule = parseSchedule(expression);
  if (schedule.kind !== 'cron') throw new Error(`${expression} is no cron schedule`);

  return schedule.fields;
};

describe('cronItems', () => {
  it.each([
    ['*/15 * * * *', 'minute', [{ wildcard: true, start: 0, end: 59, ranged: false, step: 15 }]],
    [
      '0 9 * * MON-FRI',
      'dayOfWeek',
      [{ wildcard: false, start: 1, end: 5, ranged: true, step: 1 }],
    ],
    ['0 9 * * *', 'dayOfWeek', [{ wildcard: true, start: 0, end: 6, ranged: false, step: 1 }]],
    [
      '0 0 1 jun,DEC *',
      'month',
      [
        { wildcard: false, start: 6, end: 6, ranged: false, step: 1 },
        { wildcard: false, start: 12, end: 12, ranged: false, step: 1 },
      ],
    ],
    ['5-50/20 * * * *', 'minute', [{ wildcard: false, start: 5, end: 50, ranged: true, step: 20 }]],
  ] as const)('reads %s, field %s', (expression, field, expected) => {
    expect(cronItems(fields(expression), field)).toEqual(expected);
  });

  it('spans an item by its step and writes values as runs', () => {
    const [item] = cronItems(fields('0 0 * * 1-6/2'), 'dayOfWeek');

    expect(cronItemValues(item!)).toEqual([1, 3, 5]);
    expect(cronRuns([7, 1, 2, 3, 5, 2])).toBe('1-3,5,7');
  });

  it('refuses a hand-made bad item with INVALID_CONFIG from the given provider', () => {
    const bad = { minute: '61', hour: '0', dayOfMonth: '*', month: '*', dayOfWeek: '*' };
    const error = (() => {
      try {
        return cronItems(bad, 'minute', 'aws');
      } catch (caught) {
        return caught;
      }
    })();

    expect(isCloudportError(error, 'INVALID_CONFIG')).toBe(true);
    expect(error).toMatchObject({ provider: 'aws' });
    expect((error as Error).message).toContain('"61"');
  });
});
