import { describe, expect, it } from 'vitest';
import {
  fileIdOfKey,
  groupCount,
  groupOf,
  groupSize,
  indexOfKey,
  KEYS,
  toFileId,
} from '../src/keys.js';
import { GROUP_BATCHES } from '../src/sizes.js';

describe('toFileId', () => {
  it('is stable for the same key and ETag', () => {
    expect(toFileId('in/orders.csv', '"abc"')).toBe(toFileId('in/orders.csv', '"abc"'));
  });

  it('changes with the ETag or the key', () => {
    const id = toFileId('in/orders.csv', '"abc"');

    expect(toFileId('in/orders.csv', '"abd"')).not.toBe(id);
    expect(toFileId('in_orders.csv', '"abc"')).not.toBe(id);
  });

  it('is safe as one path segment and stays readable', () => {
    expect(toFileId('2026/jan/ventes été.csv', 'e')).toMatch(
      /^2026_jan_ventes_t_.csv-[0-9a-f]{16}$/,
    );
  });
});

describe('key layout', () => {
  it('files each partial under its group, in key order', () => {
    const batches = [GROUP_BATCHES + 1, 9, GROUP_BATCHES, 0];
    const keys = batches.map((batch) => KEYS.partial('f', batch)).sort();

    expect(keys.map(indexOfKey)).toEqual([0, 9, GROUP_BATCHES, GROUP_BATCHES + 1]);
    expect(KEYS.partial('f', GROUP_BATCHES + 1).startsWith(KEYS.partials('f', 1))).toBe(true);
    expect(indexOfKey(KEYS.group('f', 12))).toBe(12);
    expect(indexOfKey('work/partials/f/0000/notes.txt')).toBeUndefined();
  });

  it('reads the file id back from report and manifest keys', () => {
    expect(fileIdOfKey(KEYS.fileReport('x-1'))).toBe('x-1');
    expect(fileIdOfKey(KEYS.manifest('x-1'))).toBe('x-1');
  });
});

describe('groups', () => {
  const G = GROUP_BATCHES;

  it.each([
    [0, 0],
    [1, 1],
    [G, 1],
    [G + 1, 2],
  ])('a file of %i batches has %i groups', (batches, groups) => {
    expect(groupCount(batches)).toBe(groups);
  });

  it('sizes the last group by the batch count, and assumes a full group without one', () => {
    expect(groupOf(G - 1)).toBe(0);
    expect(groupOf(G)).toBe(1);
    expect(groupSize(1, G + 3)).toBe(3);
    expect(groupSize(0, G + 3)).toBe(G);
    expect(groupSize(1)).toBe(G);
  });
});
