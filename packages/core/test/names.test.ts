import {
  assertName,
  assertQualifiedName,
  InvalidNameError,
  isValidName,
  NAME_MAX_LENGTH,
  NAME_MIN_LENGTH,
  QUALIFIED_NAME_MAX_LENGTH,
} from '@cloudport/core';
import { describe, expect, it } from 'vitest';
import { brokenRule, followsGrammar } from '../src/names.js';

function ruleBroken(run: () => void): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidNameError) return error.rule;
    throw error;
  }

  return undefined;
}

describe('assertName', () => {
  it.each([
    { name: 'etl', why: 'the shortest allowed length' },
    { name: 'a'.repeat(NAME_MAX_LENGTH), why: 'the longest allowed length' },
    { name: 'raw-uploads', why: 'single hyphens between words' },
    { name: 'rows2026', why: 'digits after the first letter' },
    { name: 'x-1-y-2', why: 'hyphens next to digits' },
    { name: 'my-goog', why: 'a reserved prefix that is not at the start' },
  ])('accepts $name ($why)', ({ name }) => {
    expect(() => assertName('bucket', name)).not.toThrow();
    expect(isValidName(name)).toBe(true);
  });

  it.each([
    { rule: 'type', value: 42 as unknown as string },
    { rule: 'length', value: 'a'.repeat(NAME_MIN_LENGTH - 1) },
    { rule: 'length', value: 'a'.repeat(NAME_MAX_LENGTH + 1) },
    { rule: 'length', value: '' },
    { rule: 'start', value: 'Uploads' },
    { rule: 'start', value: '1uploads' },
    { rule: 'start', value: '-uploads' },
    { rule: 'charset', value: 'raw_uploads' },
    { rule: 'charset', value: 'rawUploads' },
    { rule: 'charset', value: 'raw.uploads' },
    { rule: 'end', value: 'uploads-' },
    { rule: 'double-hyphen', value: 'raw--uploads' },
    { rule: 'double-hyphen', value: 'xn--uploads' },
    { rule: 'reserved-prefix', value: 'goog-uploads' },
    { rule: 'reserved-prefix', value: 'sthree-uploads' },
    { rule: 'reserved-prefix', value: 'amzn-s3-demo-uploads' },
  ])('reports rule $rule for $value', ({ rule, value }) => {
    expect(ruleBroken(() => assertName('queue', value))).toBe(rule);
    expect(isValidName(value)).toBe(false);
  });

  it('throws an INVALID_NAME error that names the kind, the value and the rule', () => {
    const error = (() => {
      try {
        assertName('queue', 'Rows');
      } catch (caught) {
        return caught;
      }
    })();

    expect(error).toBeInstanceOf(InvalidNameError);
    expect(error).toMatchObject({ code: 'INVALID_NAME', value: 'Rows', rule: 'start' });
    expect((error as Error).message).toContain('queue name "Rows"');
    expect((error as Error).message).toContain('lowercase letter');
  });
});

describe('assertQualifiedName', () => {
  it('accepts a pipeline and name whose "<pipeline>-<name>" fills the limit exactly', () => {
    const pipeline = 'p'.repeat(31);
    const name = 'n'.repeat(QUALIFIED_NAME_MAX_LENGTH - pipeline.length - 1);

    expect(() => assertQualifiedName('bucket', pipeline, name)).not.toThrow();
  });

  it('rejects one character over the limit with the qualified-length rule', () => {
    const pipeline = 'p'.repeat(31);
    const name = 'n'.repeat(QUALIFIED_NAME_MAX_LENGTH - pipeline.length);

    expect(ruleBroken(() => assertQualifiedName('bucket', pipeline, name))).toBe(
      'qualified-length',
    );
  });

  it('keeps every pair of valid names within the qualified limit', () => {
    expect(NAME_MAX_LENGTH * 2 + 1).toBeLessThanOrEqual(QUALIFIED_NAME_MAX_LENGTH);
  });
});

describe('assertName: words and suffixes the clouds reserve', () => {
  it.each([
    ['my-google-data', 'reserved-word'],
    ['g00gle-files', 'reserved-word'],
    ['data-s3alias', 'reserved-suffix'],
  ])('refuses %s by rule %s', (name, rule) => {
    try {
      assertName('bucket', name);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidNameError);
      expect((error as InvalidNameError).rule).toBe(rule);
    }
  });
});

describe('followsGrammar', () => {
  // Names mostly of allowed characters, with the characters, words and lengths that each rule
  // refuses mixed in, so that every rule is broken now and then and many names pass.
  const allowed = ['a', 'g', 'o', '0', 'l', '1', 'e', '3', 's', 'x', 'n', 'r', 'w', '9'];
  const refused = ['A', '_', '.', ' '];
  const words = ['goog', 'g00gle', 'sthree', 'xn--', 'amzn-s3-demo', '-s3alias', '--x-s3'];

  function randomName(seed: number): string {
    let state = seed;
    const next = (limit: number) => {
      state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
      return Math.floor(state / 65_536) % limit;
    };
    let name = '';
    const length = 1 + next(34);
    while (name.length < length) {
      const roll = next(100);
      if (roll < 2) name += refused[next(refused.length)];
      else if (roll < 12) name += '-';
      else if (roll < 15) name += words[next(words.length)];
      else name += allowed[next(allowed.length)];
    }

    return name;
  }

  it('accepts exactly the names that pass every rule', () => {
    const names = [
      ...Array.from({ length: 20_000 }, (_, seed) => randomName(seed + 1)),
      'my-goog',
      'g00gle-rows',
      'go-og-le',
      'bggoogle',
    ];
    const verdicts = names.map((name) => brokenRule(name) === undefined);
    for (const [index, name] of names.entries()) {
      expect(followsGrammar(name), name).toBe(verdicts[index]);
      expect(isValidName(name), name).toBe(verdicts[index]);
    }
    // Both verdicts come up often enough for the comparison to mean something.
    expect(verdicts.filter(Boolean).length).toBeGreaterThan(1000);
    expect(verdicts.filter((passes) => !passes).length).toBeGreaterThan(1000);
  });
});
