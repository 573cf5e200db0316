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
});
