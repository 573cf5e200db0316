import { describe, expect, it } from 'vitest';
import { isoFromEpochMs, isoFromEpochMsText } from '../src/time.js';

describe('isoFromEpochMs', () => {
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
    expect(isoFromEpochMs(ms)).toBe(new Date(ms).toISOString());
  });

  it('stays right when one call follows another of a different minute or day', () => {
    const times = [1_771_063_200_500, 1_771_149_600_000, 1_771_063_200_501, 1_771_063_140_000];

    expect(times.map(isoFromEpochMs)).toEqual(times.map((ms) => new Date(ms).toISOString()));
  });

  it.each([-1, 1.5, 253_402_300_800_000])('leaves %d, outside the fast path, to Date', (ms) => {
    expect(isoFromEpochMs(ms)).toBe(new Date(ms).toISOString());
  });
});

describe('isoFromEpochMsText', () => {
  const iso = (ms: number) => new Date(ms).toISOString();

  it('formats texts of one second and of the next alike, whatever came before', () => {
    const texts = ['1771063200000', '1771063200999', '1771063201000', '1771063200007', '999'];

    expect(texts.map(isoFromEpochMsText)).toEqual(texts.map((text) => iso(Number(text))));
  });

  const nearMisses = ['1771063200a00', '177106320000:', '17710632000/0', '-771063200000'];

  it.each(nearMisses)('reads %s, a near miss of the last second, as Number() does', (text) => {
    isoFromEpochMsText('1771063200123');
    const ms = Number(text);

    expect(isoFromEpochMsText(text)).toBe(ms > 0 ? iso(ms) : undefined);
  });

  it.each(['0', '0000000000000', '', 'soon', undefined, '-5'])('finds no time in %j', (text) => {
    isoFromEpochMsText('0000000000999');

    expect(isoFromEpochMsText(text)).toBeUndefined();
  });

  it('takes what Number() takes beyond plain digits', () => {
    expect(isoFromEpochMsText(' 1771063200000 ')).toBe(iso(1_771_063_200_000));
    expect(isoFromEpochMsText(1_771_063_200_000)).toBe(iso(1_771_063_200_000));
  });
});
