import {
  type BodyKind,
  CloudportError,
  decodeBody,
  decodeBodyFromText,
  encodeBody,
  encodeBodyAsText,
  InvalidEventError,
} from '@cloudport/core';
import { describe, expect, it } from 'vitest';

const bytes = (...values: number[]) => new Uint8Array(values);
const utf8 = (text: string) => new TextEncoder().encode(text);

function caught(run: () => unknown): CloudportError {
  try {
    run();
  } catch (error) {
    if (error instanceof CloudportError) return error;
    throw error;
  }
  throw new Error('expected the call to throw');
}

function eventError(run: () => unknown): InvalidEventError {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidEventError) return error;
    throw error;
  }
  throw new Error('expected an INVALID_EVENT error');
}

describe('encodeBody and decodeBody on a byte-safe transport', () => {
  it.each<{ kind: BodyKind; body: unknown; wire: Uint8Array }>([
    {
      kind: 'json',
      body: { file: 'a.csv', rows: [1, 2] },
      wire: utf8('{"file":"a.csv","rows":[1,2]}'),
    },
    { kind: 'json', body: 'plain string', wire: utf8('"plain string"') },
    { kind: 'json', body: null, wire: utf8('null') },
    { kind: 'json', body: 0, wire: utf8('0') },
    { kind: 'json', body: { name: 'Zoë 🚀' }, wire: utf8('{"name":"Zoë 🚀"}') },
    { kind: 'text', body: 'line one\nline two', wire: utf8('line one\nline two') },
    { kind: 'text', body: '', wire: bytes() },
    { kind: 'text', body: 'ünïcødé ✓', wire: utf8('ünïcødé ✓') },
    { kind: 'bytes', body: bytes(0, 255, 128, 10), wire: bytes(0, 255, 128, 10) },
    { kind: 'bytes', body: bytes(), wire: bytes() },
  ])('carries a $kind body as its wire bytes and back', ({ kind, body, wire }) => {
    const encoded = encodeBody(kind, body);

    expect(Array.from(encoded)).toEqual(Array.from(wire));
    expect(decodeBody(kind, encoded)).toEqual(body);
  });

  it.each([
    { kind: 'json' as const, wire: bytes(0xc3, 0x28), message: /not valid UTF-8/ },
    { kind: 'text' as const, wire: bytes(0xff, 0xfe, 0x41), message: /not valid UTF-8/ },
    { kind: 'json' as const, wire: utf8('{"open": '), message: /not valid JSON/ },
    { kind: 'json' as const, wire: utf8('row,1,2'), message: /not valid JSON/ },
  ])('raises INVALID_EVENT for a $kind body of bad bytes', ({ kind, wire, message }) => {
    const error = eventError(() => decodeBody(kind, wire));

    expect(error.code).toBe('INVALID_EVENT');
    expect(error.message).toMatch(message);
    expect(error.cause).toBeInstanceOf(Error);
  });

  it.each([
    { kind: 'bytes' as const, body: 'not bytes' },
    { kind: 'text' as const, body: 42 },
    { kind: 'json' as const, body: undefined },
    { kind: 'json' as const, body: () => 1 },
    { kind: 'json' as const, body: { amount: 10n } },
  ])('refuses to encode $body for a $kind queue with INVALID_MESSAGE', ({ kind, body }) => {
    const error = caught(() => encodeBody(kind, body));

    expect(error).toBeInstanceOf(CloudportError);
    expect(error.code).toBe('INVALID_MESSAGE');
    expect(error.message).toContain(`A ${kind} queue`);
  });

  it('names what a body was when it has the wrong kind', () => {
    expect(caught(() => encodeBody('bytes', 'text')).message).toContain('not string');
    expect(caught(() => encodeBody('text', new Map())).message).toContain('not Map');
  });

  it('refuses a cyclic json body, naming why', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const error = caught(() => encodeBody('json', cyclic));

    expect(error.code).toBe('INVALID_MESSAGE');
    expect(error.cause).toBeInstanceOf(TypeError);
  });
});

describe('encodeBodyAsText and decodeBodyFromText on a text-only transport', () => {
  it.each<{ kind: BodyKind; body: unknown; wire: string }>([
    { kind: 'json', body: { id: 7, tags: ['a'] }, wire: '{"id":7,"tags":["a"]}' },
    { kind: 'json', body: 'é', wire: '"é"' },
    { kind: 'text', body: 'hello, world', wire: 'hello, world' },
    { kind: 'text', body: '{"looks":"like json"}', wire: '{"looks":"like json"}' },
    { kind: 'bytes', body: bytes(0, 255, 1), wire: 'AP8B' },
    { kind: 'bytes', body: bytes(104, 105), wire: 'aGk=' },
    { kind: 'bytes', body: bytes(0xfb, 0xff), wire: '+/8=' },
    { kind: 'bytes', body: bytes(), wire: '' },
  ])('carries a $kind body as $wire and back', ({ kind, body, wire }) => {
    expect(encodeBodyAsText(kind, body)).toBe(wire);
    expect(decodeBodyFromText(kind, wire)).toEqual(body);
  });

  it('returns bytes bodies as Uint8Array, not as text', () => {
    expect(decodeBodyFromText('bytes', 'aGk=')).toBeInstanceOf(Uint8Array);
  });

  it.each([
    { wire: 'aGk', why: 'a length that is not a multiple of four' },
    { wire: 'aG$=', why: 'a character outside the alphabet' },
    { wire: 'a===', why: 'too much padding' },
    { wire: 'aGk=aGk=', why: 'padding in the middle' },
    { wire: 'aGVsbG8-', why: 'the URL-safe alphabet' },
  ])('raises INVALID_EVENT for base64 with $why', ({ wire }) => {
    const error = eventError(() => decodeBodyFromText('bytes', wire));

    expect(error.message).toMatch(/not valid base64/);
  });

  it('raises INVALID_EVENT for a body that is not JSON, quoting none of it', () => {
    const wire = `secret-token ${'x'.repeat(100)}`;
    const error = eventError(() => decodeBodyFromText('json', wire));

    expect(error.message).toContain(`of ${wire.length} characters is not valid JSON`);
    expect(error.message).not.toContain('secret');
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it('refuses a text body that is not a string', () => {
    expect(caught(() => encodeBodyAsText('text', { a: 1 })).code).toBe('INVALID_MESSAGE');
  });
});
