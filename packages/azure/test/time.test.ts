import { describe, expect, it } from 'vitest';
import { isoTime } from '../src/time.js';

describe('event times', () => {
  it.each([
    ['2026-03-04T09:15:02.1234567Z', '2026-03-04T09:15:02.123Z'],
    ['2026-03-04T09:15:02.5Z', '2026-03-04T09:15:02.500Z'],
    ['2026-03-04T09:15:02Z', '2026-03-04T09:15:02.000Z'],
    ['2026-03-04T09:15:02+00:00', '2026-03-04T09:15:02.000Z'],
    ['2026-03-04T11:15:02.25+02:00', '2026-03-04T09:15:02.250Z'],
  ])('reads %j as %j, as a Date would', (text, iso) => {
    expect(isoTime(text)).toBe(iso);
    expect(isoTime(text)).toBe(new Date(text).toISOString());
  });

  it.each([undefined, '', 'yesterday', '2026-13-45'])('gives undefined for %j', (value) => {
    expect(isoTime(value)).toBeUndefined();
  });

  it('agrees with a Date on every boundary of the shape it rewrites without one', () => {
    const months = ['00', '01', '02', '09', '10', '12', '13'];
    const days = ['00', '01', '09', '10', '19', '20', '28', '29', '30', '31', '32'];
    const hours = ['00', '09', '10', '19', '20', '23', '24', '25'];
    const seconds = ['00', '59', '60'];
    const fractions = ['', '.5', '.25', '.123', '.1234567', '.1234567890'];
    for (const month of months) {
      for (const day of days) {
        for (const hour of hours) {
          for (const second of seconds) {
            for (const fraction of fractions) {
              const text = `2026-${month}-${day}T${hour}:${second}:${second}${fraction}Z`;
              const time = Date.parse(text);
              const expected = Number.isNaN(time) ? undefined : new Date(time).toISOString();
              expect([text, isoTime(text)]).toEqual([text, expected]);
            }
          }
        }
      }
    }
  });

  it('gives a time already in milliseconds back as it is', () => {
    const text = '2026-03-04T09:16:10.511Z';

    expect(isoTime(text)).toBe(text);
  });
});
