import { describe, expect, it } from 'vitest';
import { isTime } from '../src/triggers/time.js';

const parses = (value: string) => !Number.isNaN(Date.parse(value));

describe('isTime', () => {
  it.each([
    '2026-02-14T09:30:15.731Z',
    '2026-02-14T09:30:12.482311Z',
    '2026-02-14T09:30:12.123456789Z',
    '2026-02-14T09:30:12Z',
    '2026-02-31T23:59:59Z',
    '2026-01-01T24:00:00Z',
    '2026-02-14T09:30:12+01:00',
    '2026-02-14 09:30:12Z',
    '2026-02-14',
    'Sat, 14 Feb 2026 09:30:12 GMT',
  ])('takes %s, as Date.parse does', (value) => {
    expect(parses(value)).toBe(true);
    expect(isTime(value)).toBe(true);
  });

  it.each([
    '',
    'yesterday',
    '2026-13-01T00:00:00Z',
    '2026-01-00T00:00:00Z',
    '2026-01-01T25:00:00Z',
    '2026-01-01T23:60:00Z',
    '2026-01-01T23:59:60Z',
  ])('refuses %j, as Date.parse does', (value) => {
    expect(parses(value)).toBe(false);
    expect(isTime(value)).toBe(false);
  });

  it.each([undefined, null, 0, 1771061412482, {}])('refuses the non-string %j', (value) => {
    expect(isTime(value)).toBe(false);
  });

  it('agrees with Date.parse on every boundary of the fast RFC 3339 shape', () => {
    const months = ['00', '01', '09', '10', '12', '13'];
    const days = ['00', '01', '09', '10', '19', '20', '29', '30', '31', '32'];
    const hours = ['00', '09', '10', '19', '20', '23', '24', '25'];
    const minutes = ['00', '59', '60'];
    const fractions = ['', '.5', '.123', '.123456', '.123456789', '.1234567890'];
    for (const month of months) {
      for (const day of days) {
        for (const hour of hours) {
          for (const minute of minutes) {
            for (const fraction of fractions) {
              const value = `2026-${month}-${day}T${hour}:${minute}:${minute}${fraction}Z`;
              expect([value, isTime(value)]).toEqual([value, parses(value)]);
            }
          }
        }
      }
    }
  });
});
