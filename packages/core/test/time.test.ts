import { describe, expect, it } from 'vitest';
import { createIsoFormatter } from '../src/time.js';

describe('createIsoFormatter', () => {
  const isoOf = createIsoFormatter();
  const cases = [
    0,
    1,
    999,
    59_999,
    60_000,
    1_771_063_200_000,
    1_771_063_200_123,
    1_771_063_259_999,
    1_771_063_260_001,
    951_782_400_000, // 2000-02-29
    253_402_300_799_999, // the last millisecond of year 9999
  ];

  it.each(cases)('formats %d as Date#toISOString does', (ms) => {
    expect(isoOf(ms)).toBe(new Date(ms).toISOString());
  });

  it('stays right when one call follows another of a different minute or day', () => {
    const times = [1_771_063_200_500, 1_771_149_600_000, 1_771_063_200_501, 1_771_063_140_000];

    expect(times.map(isoOf)).toEqual(times.map((ms) => new Date(ms).toISOString()));
  });

  it.each([-1, 1.5, 253_402_300_800_000])('leaves %d, outside the fast path, to Date', (ms) => {
    expect(isoOf(ms)).toBe(new Date(ms).toISOString());
  });

  it('keeps one second per formatter, so that two in turn both stay right', () => {
    const other = createIsoFormatter();
    const times = [1_771_063_200_500, 1_800_000_000_000, 1_771_063_200_501, 1_800_000_000_001];
    const formatted = times.map((ms, index) => (index % 2 === 0 ? isoOf(ms) : other(ms)));

    expect(formatted).toEqual(times.map((ms) => new Date(ms).toISOString()));
  });
});
