import { describe, expect, it } from 'vitest';
import { isoFromEpochMsText } from '../src/time.js';

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
