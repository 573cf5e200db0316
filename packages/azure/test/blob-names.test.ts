import { describe, expect, it } from 'vitest';
import { fromBlobName, toBlobName, toListPrefix } from '../src/storage/blob-names.js';

const byUtf8 = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
// Blob Storage (and Azurite) list names by UTF-16 code units, which is JavaScript's order.
const byUtf16 = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const DOT_SEGMENT = /(?:^|\/)\.{1,2} *(?:\/|$)/;
const ALPHABET = ['a', '.', ' ', '/', '\\', '[', '!', '-', 'é', '\uD7FF', '\uE000', '\uFF61'];
ALPHABET.push('😀');

function randomKey(random: () => number): string {
  const length = 1 + Math.floor(random() * 7);
  let key = '';
  for (let index = 0; index < length; index += 1) {
    key += ALPHABET[Math.floor(random() * ALPHABET.length)];
  }

  return key;
}

function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

describe('blob names', () => {
  it.each([
    ['plain/key.txt', 'plain/key.txt'],
    ['../escape', '.. /escape'],
    ['a/../../b', 'a/.. /.. /b'],
    ['./here', '. /here'],
    ['..', '.. '],
    ['x/. ', 'x/.  '],
    ['.../ok', '.../ok'],
    ['back\\slash', 'back[\uE000slash'],
    ['\uFF61', '\uD7FF\u013E\u0162'],
  ])('stores %j as %j and reads it back', (key, name) => {
    expect(toBlobName(key)).toBe(name);
    expect(fromBlobName(name)).toBe(key);
  });

  it('round-trips random keys and keeps their UTF-8 order in UTF-16 name order', () => {
    const random = seeded(7);
    const keys = [...new Set(Array.from({ length: 3000 }, () => randomKey(random)))];
    for (const key of keys) expect(fromBlobName(toBlobName(key))).toBe(key);
    // Dot segments are the documented exception: the store sorts each page for them.
    const ordered = keys.filter((key) => !DOT_SEGMENT.test(key));
    const byKey = [...ordered].sort(byUtf8);
    const byName = [...ordered].sort((a, b) => byUtf16(toBlobName(a), toBlobName(b)));
    expect(byName).toEqual(byKey);
  });

  it('lists every key under a prefix through the name prefix, with a filter', () => {
    const random = seeded(11);
    const keys = [...new Set(Array.from({ length: 1500 }, () => randomKey(random)))];
    for (let round = 0; round < 300; round += 1) {
      const prefix = randomKey(random).slice(0, 1 + Math.floor(random() * 3));
      const namePrefix = toListPrefix(prefix);
      const expected = keys.filter((key) => key.startsWith(prefix));
      const listed = keys
        .filter((key) => toBlobName(key).startsWith(namePrefix))
        .filter((key) => key.startsWith(prefix));
      expect(listed, `prefix ${JSON.stringify(prefix)}`).toEqual(expected);
    }
  });
});
