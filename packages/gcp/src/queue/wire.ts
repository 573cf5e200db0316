import {
  type BodyKind,
  encodeBody,
  InvalidConfigError,
  InvalidMessageError,
  MessageTooLargeError,
  type QueueLimits,
  type SendEntry,
  UnsupportedError,
} from '@cloudport/core';
import { PROVIDER } from '../errors.js';

/** Attributes under this prefix are cloudport's own; handlers never see them. */
export const INTERNAL_PREFIX = 'cloudport-';
/**
 * Pub/Sub refuses a message with neither data nor attributes, so an empty body travels with
 * this attribute alone.
 */
export const EMPTY_MARK = `${INTERNAL_PREFIX}empty`;

// Pub/Sub's per-attribute limits (https://cloud.google.com/pubsub/quotas#resource_limits).
const MAX_KEY_BYTES = 256;
const MAX_VALUE_BYTES = 1024;
/**
 * The longest ordering key, in bytes of UTF-8: "up to 1 KB", read as 1,024 bytes like the
 * attribute values of the same quota table (https://cloud.google.com/pubsub/docs/ordering).
 */
export const MAX_ORDERING_KEY_BYTES = 1024;

/** A message as Pub/Sub publishes it: data bytes, string attributes, an ordering key. */
export interface WireMessage {
  data: Buffer;
  attributes?: Record<string, string>;
  orderingKey?: string;
  /** Bytes counted against the message size limit. */
  size: number;
}

/**
 * Encodes one entry for Pub/Sub. The body's bytes (JSON and text as UTF-8, bytes unchanged) are
 * the message data, so the wire encoding is the same for every kind. Raises `UNSUPPORTED` for a
 * delay or a deduplication id, which Pub/Sub cannot honour, and `MESSAGE_TOO_LARGE` past the
 * limits (an ordering key over 1,024 bytes included), before anything is sent.
 */
export function toWireMessage(
  queue: string,
  kind: BodyKind,
  entry: SendEntry<unknown>,
  limits: QueueLimits,
): WireMessage {
  if (entry.delaySeconds !== undefined && entry.delaySeconds !== 0) {
    throw new UnsupportedError(
      'queue.delay',
      `Pub/Sub cannot delay a message (queue ${JSON.stringify(queue)}); send it later instead.`,
      { provider: PROVIDER },
    );
  }
  if (entry.deduplicationId !== undefined) {
    throw new UnsupportedError(
      'queue.deduplication',
      `Pub/Sub has no deduplication id at publish time (queue ${JSON.stringify(queue)}); ` +
        'make the handler idempotent on the message id or on a field of the body.',
      { provider: PROVIDER },
    );
  }
  const keyBytes = checkOrderingKey(queue, entry.orderingKey);
  const data = encode(queue, kind, entry.body);
  const attributes = checkAttributes(queue, entry.attributes ?? {}, limits);
  const size = data.length + attributes.bytes + keyBytes;
  if (size > limits.maxMessageBytes) {
    throw new MessageTooLargeError(
      `A message of ${size} bytes (data and attributes) is over Pub/Sub's limit of ` +
        `${limits.maxMessageBytes} for queue ${JSON.stringify(queue)}; store the payload in a ` +
        'bucket and send its key instead.',
      size,
      limits.maxMessageBytes,
      { provider: PROVIDER },
    );
  }
  const values = attributes.values;
  if (data.length === 0 && Object.keys(values).length === 0) values[EMPTY_MARK] = 'true';

  return {
    data,
    ...(Object.keys(values).length > 0 ? { attributes: values } : {}),
    ...(entry.orderingKey !== undefined ? { orderingKey: entry.orderingKey } : {}),
    size,
  };
}

/** The attributes a handler sees: everything but cloudport's own. */
export function userAttributes(attributes: Record<string, string> | null | undefined) {
  const result: Record<string, string> = {};
  if (!attributes) return result;
  for (const name of Object.keys(attributes)) {
    if (!name.startsWith(INTERNAL_PREFIX)) result[name] = String(attributes[name]);
  }

  return result;
}

/** The ordering key's size in bytes (0 without one), after checking it fits Pub/Sub's limit. */
function checkOrderingKey(queue: string, key: unknown): number {
  if (key === undefined) return 0;
  if (typeof key !== 'string' || key === '') {
    throw new InvalidConfigError(
      `The ordering key for queue ${JSON.stringify(queue)} must be a non-empty string; got ` +
        `${key === '' ? 'an empty string' : typeof key}.`,
      { provider: PROVIDER },
    );
  }
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > MAX_ORDERING_KEY_BYTES) {
    throw new MessageTooLargeError(
      `The ordering key for queue ${JSON.stringify(queue)} has ${bytes} bytes of UTF-8; Pub/Sub ` +
        `allows ${MAX_ORDERING_KEY_BYTES}. Use a shorter key, such as a hash of this one.`,
      bytes,
      MAX_ORDERING_KEY_BYTES,
      { provider: PROVIDER },
    );
  }

  return bytes;
}

function encode(queue: string, kind: BodyKind, body: unknown): Buffer {
  try {
    const bytes = encodeBody(kind, body);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  } catch (cause) {
    throw new InvalidMessageError(
      `A body for queue ${JSON.stringify(queue)} (${kind}) cannot be encoded: ` +
        `${(cause as Error).message}`,
      { provider: PROVIDER, cause },
    );
  }
}

function checkAttributes(
  queue: string,
  attributes: Record<string, string>,
  limits: QueueLimits,
): { values: Record<string, string>; bytes: number } {
  const entries = Object.entries(attributes);
  const tooLarge = (what: string, size: number, limit: number) =>
    new MessageTooLargeError(
      `${what} for queue ${JSON.stringify(queue)} is over Pub/Sub's limit (${size} > ${limit}).`,
      size,
      limit,
      { provider: PROVIDER },
    );
  if (entries.length > limits.maxAttributes) {
    throw tooLarge('The number of attributes', entries.length, limits.maxAttributes);
  }
  let bytes = 0;
  const values: Record<string, string> = {};
  for (const [name, value] of entries) {
    if (typeof value !== 'string' || name === '' || /^goog/i.test(name)) {
      throw new InvalidConfigError(
        `Attribute ${JSON.stringify(name)} for queue ${JSON.stringify(queue)} is not allowed: ` +
          'names must be non-empty and not start with "goog", values must be strings.',
        { provider: PROVIDER },
      );
    }
    if (name.startsWith(INTERNAL_PREFIX)) {
      throw new InvalidConfigError(
        `Attribute names starting with ${INTERNAL_PREFIX} are reserved (got ${name}).`,
        { provider: PROVIDER },
      );
    }
    const nameBytes = Buffer.byteLength(name, 'utf8');
    const valueBytes = Buffer.byteLength(value, 'utf8');
    if (nameBytes > MAX_KEY_BYTES) throw tooLarge(`Attribute name ${name}`, nameBytes, 256);
    if (valueBytes > MAX_VALUE_BYTES) throw tooLarge(`Attribute ${name}`, valueBytes, 1024);
    bytes += nameBytes + valueBytes;
    values[name] = value;
  }

  return { values, bytes };
}
