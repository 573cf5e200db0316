import { InvalidEventError, InvalidMessageError } from './errors.js';

/** How a queue's message bodies are typed and carried. */
export type BodyKind = 'json' | 'text' | 'bytes';

/** The TypeScript type of a body of the given kind. */
export type BodyOf<K extends BodyKind, Json = unknown> = K extends 'text'
  ? string
  : K extends 'bytes'
    ? Uint8Array
    : Json;

// Made on first use, so that importing the core does no work for queues it never encodes.
let textEncoder: TextEncoder | undefined;
let textDecoder: TextDecoder | undefined;

function encoder(): TextEncoder {
  textEncoder ??= new TextEncoder();
  return textEncoder;
}

function decoder(): TextDecoder {
  textDecoder ??= new TextDecoder('utf-8', { fatal: true });
  return textDecoder;
}

/** Encodes a body to the bytes that travel on a byte-safe transport. */
export function encodeBody(kind: BodyKind, body: unknown): Uint8Array {
  if (kind === 'bytes') {
    if (!(body instanceof Uint8Array)) throw wrongBody('bytes', 'a Uint8Array or Buffer', body);
    return body;
  }
  if (kind === 'text') {
    if (typeof body !== 'string') throw wrongBody('text', 'a string', body);
    return encoder().encode(body);
  }

  return encoder().encode(toJson(body));
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
    if (typeof body !== 'string') throw wrongBody('text', 'a string', body);
    return body;
  }

  return toJson(body);
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
    return decoder().decode(bytes);
  } catch (cause) {
    throw new InvalidEventError('A text or json message body is not valid UTF-8.', { cause });
  }
}

function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    // The message names no part of the body: it is logged and becomes a dead-letter reason.
    throw new InvalidEventError(
      `A json message body of ${text.length} characters is not valid JSON; declare the queue ` +
        "with body: 'text' or 'bytes' if it carries other data.",
      { cause },
    );
  }
}

function toJson(body: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(body);
  } catch (cause) {
    // Cycles and BigInt values.
    throw new InvalidMessageError(
      `A json queue body cannot be serialised: ${(cause as Error).message}. Send plain data, or ` +
        "declare the queue with body: 'text' or 'bytes' and encode it yourself.",
      { cause },
    );
  }
  if (json === undefined) throw wrongBody('json', 'a JSON-serialisable value', body);

  return json;
}

function wrongBody(kind: BodyKind, expected: string, body: unknown): InvalidMessageError {
  const actual = body === null ? 'null' : typeof body === 'object' ? body.constructor?.name : '';

  return new InvalidMessageError(
    `A ${kind} queue takes ${expected} as its body, not ${actual || typeof body}; convert the ` +
      `body, or declare the queue with the body kind it carries.`,
  );
}
