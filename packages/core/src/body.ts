import { InvalidEventError } from './errors.js';

/** How a queue's message bodies are typed and carried. */
export type BodyKind = 'json' | 'text' | 'bytes';

/** The TypeScript type of a body of the given kind. */
export type BodyOf<K extends BodyKind, Json = unknown> = K extends 'text'
  ? string
  : K extends 'bytes'
    ? Uint8Array
    : Json;

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });

/** Encodes a body to the bytes that travel on a byte-safe transport. */
export function encodeBody(kind: BodyKind, body: unknown): Uint8Array {
  if (kind === 'bytes') {
    if (!(body instanceof Uint8Array))
      throw new TypeError('A bytes queue takes Uint8Array bodies.');
    return body;
  }
  if (kind === 'text') {
    if (typeof body !== 'string') throw new TypeError('A text queue takes string bodies.');
    return textEncoder.encode(body);
  }
  const json = JSON.stringify(body);
  if (json === undefined) throw new TypeError('A json queue body must be JSON-serialisable.');

  return textEncoder.encode(json);
}

/** Decodes bytes from a byte-safe transport into a body of the given kind. */
export function decodeBody(kind: BodyKind, bytes: Uint8Array): unknown {
  if (kind === 'bytes') return bytes;
  const text = decodeUtf8(bytes);
  if (kind === 'text') return text;

  return parseJsonBody(text);
}

/**
 * Encodes a body for a text-only transport such as SQS: json and text as they are,
 * bytes as base64.
 */
export function encodeBodyAsText(kind: BodyKind, body: unknown): string {
  if (kind === 'bytes') return Buffer.from(encodeBody(kind, body)).toString('base64');
  if (kind === 'text') {
    if (typeof body !== 'string') throw new TypeError('A text queue takes string bodies.');
    return body;
  }

  return new TextDecoder().decode(encodeBody(kind, body));
}

/** Decodes a body that travelled as text (see {@link encodeBodyAsText}). */
export function decodeBodyFromText(kind: BodyKind, text: string): unknown {
  if (kind === 'text') return text;
  if (kind === 'json') return parseJsonBody(text);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
    throw new InvalidEventError('A bytes message body is not valid base64.');
  }

  return new Uint8Array(Buffer.from(text, 'base64'));
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return textDecoder.decode(bytes);
  } catch (cause) {
    throw new InvalidEventError('A text or json message body is not valid UTF-8.', { cause });
  }
}

function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    const preview = text.length > 40 ? `${text.slice(0, 40)}...` : text;
    throw new InvalidEventError(
      `A json message body is not valid JSON (${JSON.stringify(preview)}); ` +
        "declare the queue with body: 'text' or 'bytes' if it carries other data.",
      { cause },
    );
  }
}
