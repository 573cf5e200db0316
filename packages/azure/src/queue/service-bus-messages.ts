import { randomUUID } from 'node:crypto';
import type { ServiceBusMessage, ServiceBusReceivedMessage } from '@azure/service-bus';
import {
  AZURE_LIMITS,
  type BodyKind,
  decodeBody,
  encodeBody,
  InvalidConfigError,
  InvalidMessageError,
  MessageTooLargeError,
  type ReceivedMessage,
  type SendEntry,
} from '@cloudport/core';

/** Application property that marks a message id given as a deduplication id. */
export const DEDUP_PROPERTY = 'cloudport-deduplication';
/**
 * Application property listing, as a JSON array, the attribute names whose first letter the
 * Functions v4 library lower-cases (`Region` arrives as `region`), so the trigger can restore
 * them. Sent only when there is such a name.
 */
export const NAMES_PROPERTY = 'cloudport-attribute-names';

/** The content type each body kind is sent with. */
export const CONTENT_TYPES: Readonly<Record<BodyKind, string>> = {
  json: 'application/json',
  text: 'text/plain; charset=utf-8',
  bytes: 'application/octet-stream',
};

// https://learn.microsoft.com/azure/service-bus-messaging/service-bus-quotas
const MAX_ID_LENGTH = 128;
const MAX_PROPERTIES_BYTES = AZURE_LIMITS.queue.maxAttributesBytes;

/** A message checked and built for the SDK, with the id reported back to the sender. */
export interface OutgoingMessage {
  message: ServiceBusMessage;
  messageId: string;
  sessionId: string | undefined;
  /**
   * The body and application properties in bytes: a lower bound of the size the entity's limit
   * applies to, which also counts the encoded headers (measured when the message is batched).
   */
  size: number;
}

/** What a queue knows when it builds messages. */
export interface MessageSettings {
  queue: string;
  body: BodyKind;
  /** The limit the user gave; without one, the link's, checked once the link is open. */
  maxMessageBytes: number | undefined;
  /** The entity requires sessions: every message needs an ordering key. */
  sessions: boolean;
}

/**
 * Checks one entry and builds its Service Bus message: the body as bytes in a data section
 * (so the Functions host can hand over the raw bytes), attributes as application properties,
 * a delay as the scheduled enqueue time, the ordering key as the session id and the
 * deduplication id as the message id. Limits known without the link are checked here.
 */
export function toOutgoing(
  settings: MessageSettings,
  entry: SendEntry<unknown>,
  label: string,
): OutgoingMessage {
  const body = encodeEntryBody(settings, entry.body, label);
  const properties: Record<string, string> = {};
  let propertyBytes = 0;
  const recased: string[] = [];
  const lowered = new Map<string, string>();
  for (const [name, value] of Object.entries(entry.attributes ?? {})) {
    if (typeof value !== 'string')
      throw invalid(settings, `attribute ${JSON.stringify(name)} of ${label} is not a string`);
    if (name === DEDUP_PROPERTY || name === NAMES_PROPERTY)
      throw invalid(settings, `attribute ${JSON.stringify(name)} of ${label} is reserved`);
    const key = lowerFirst(name);
    const other = lowered.get(key);
    if (other !== undefined) {
      throw invalid(
        settings,
        `attributes ${JSON.stringify(other)} and ${JSON.stringify(name)} of ${label} differ ` +
          'only in the case of their first letter, which Azure Functions merges; rename one',
      );
    }
    lowered.set(key, name);
    if (key !== name) recased.push(name);
    properties[name] = value;
    propertyBytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  }
  if (recased.length > 0) {
    const names = JSON.stringify(recased);
    properties[NAMES_PROPERTY] = names;
    propertyBytes += Buffer.byteLength(NAMES_PROPERTY) + Buffer.byteLength(names);
  }
  if (propertyBytes > MAX_PROPERTIES_BYTES) {
    throw new MessageTooLargeError(
      `The attributes of the ${label} for queue ${settings.queue} take ${propertyBytes} bytes, ` +
        `over Service Bus's ${MAX_PROPERTIES_BYTES}-byte header limit; move data into the body.`,
      propertyBytes,
      MAX_PROPERTIES_BYTES,
      { provider: 'azure' },
    );
  }
  const size = body.length + propertyBytes;
  const limit = settings.maxMessageBytes;
  if (limit !== undefined && size > limit) throw tooLarge(settings, label, size, limit);

  const sessionId = checkId(settings, entry.orderingKey, 'orderingKey', label);
  if (settings.sessions && sessionId === undefined) {
    throw invalid(
      settings,
      `the ${label} has no orderingKey, which a session-enabled queue (sessions: true) ` +
        'needs as the session id; give every message one',
    );
  }
  const dedupId = checkId(settings, entry.deduplicationId, 'deduplicationId', label);
  if (dedupId !== undefined) properties[DEDUP_PROPERTY] = 'true';
  const messageId = dedupId ?? randomUUID();
  const message: ServiceBusMessage = {
    body,
    messageId,
    contentType: CONTENT_TYPES[settings.body],
    applicationProperties: properties,
  };
  if (sessionId !== undefined) message.sessionId = sessionId;
  const delay = checkDelay(settings, entry.delaySeconds, label);
  if (delay > 0) message.scheduledEnqueueTimeUtc = new Date(Date.now() + delay * 1000);

  return { message, messageId, sessionId, size };
}

/**
 * The error of an entry over the entity's limit (the user's `maxMessageBytes`, or the largest
 * message the sender link accepts). `size` is its body and attributes in bytes; `encoded` says
 * that these fit but the message as Service Bus counts it (with its headers, encoded in a batch)
 * does not.
 */
export function tooLarge(
  settings: MessageSettings,
  label: string,
  size: number,
  limit: number,
  encoded = false,
): MessageTooLargeError {
  const source =
    settings.maxMessageBytes === limit
      ? 'as maxMessageBytes says'
      : 'as the Service Bus link advertises it';
  const what = encoded
    ? `has ${size} bytes of body and attributes, and with its headers, encoded as Service Bus ` +
      'counts it, is over'
    : `is ${size} bytes, over`;

  return new MessageTooLargeError(
    `The ${label} for queue ${settings.queue} ${what} the entity's limit of ${limit} bytes ` +
      `(${source}); store the payload in a bucket and send its key.`,
    size,
    limit,
    { provider: 'azure' },
  );
}

/**
 * Gives attributes back the names they were sent with, undoing the Functions library's
 * lower-casing of first letters by the names listed in {@link NAMES_PROPERTY}.
 */
export function restoreNames(
  attributes: Record<string, string>,
  names: unknown,
): Record<string, string> {
  let sent: unknown;
  try {
    sent = typeof names === 'string' ? JSON.parse(names) : names;
  } catch {
    return attributes;
  }
  if (!Array.isArray(sent)) return attributes;
  for (const name of sent) {
    if (typeof name !== 'string') continue;
    const key = lowerFirst(name);
    if (key === name || !Object.hasOwn(attributes, key) || Object.hasOwn(attributes, name)) {
      continue;
    }
    attributes[name] = attributes[key] as string;
    delete attributes[key];
  }

  return attributes;
}

// As the Functions library's toCamelCaseKey changes metadata names.
function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/**
 * Maps a received message to cloudport's shape. The SDK counts earlier deliveries (AMQP's
 * delivery-count, 0 on the first), so the neutral count adds one.
 */
export function toReceived<T>(
  kind: BodyKind,
  message: ServiceBusReceivedMessage,
): ReceivedMessage<T> {
  const { attributes, deduplicated } = fromProperties(message.applicationProperties);
  const messageId = String(message.messageId ?? '');

  return {
    messageId,
    body: decodeBody(kind, asBytes(message.body)) as T,
    attributes,
    deliveryCount: message.deliveryCount === undefined ? 1 : message.deliveryCount + 1,
    orderingKey: message.sessionId,
    deduplicationId: deduplicated ? messageId : undefined,
    sentAt: message.enqueuedTimeUtc ?? new Date(),
    receipt: message.lockToken ?? messageId,
  };
}

/** Splits application properties into string attributes and cloudport's own marker. */
export function fromProperties(properties: Record<string, unknown> | undefined): {
  attributes: Record<string, string>;
  deduplicated: boolean;
} {
  const attributes: Record<string, string> = {};
  let deduplicated = false;
  for (const [name, value] of Object.entries(properties ?? {})) {
    if (name === DEDUP_PROPERTY) deduplicated = true;
    else if (name === NAMES_PROPERTY) continue;
    else if (value !== undefined && value !== null) attributes[name] = toText(value);
  }

  return { attributes, deduplicated };
}

function toText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();

  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** The bytes of a body the SDK handed over without parsing it. */
export function asBytes(body: unknown): Uint8Array {
  if (body instanceof Uint8Array) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');

  return Buffer.from(JSON.stringify(body ?? null), 'utf8');
}

function encodeEntryBody(settings: MessageSettings, body: unknown, label: string): Buffer {
  try {
    const bytes = encodeBody(settings.body, body);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  } catch (cause) {
    throw new InvalidMessageError(
      `Send to queue ${settings.queue}: the body of ${label} does not fit a ${settings.body} ` +
        `queue (${(cause as Error).message})`,
      { provider: 'azure', cause },
    );
  }
}

function checkId(
  settings: MessageSettings,
  value: unknown,
  field: string,
  label: string,
): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH) return value;

  throw invalid(
    settings,
    `${field} ${JSON.stringify(value)} of ${label} must be 1 to 128 characters`,
  );
}

function checkDelay(settings: MessageSettings, value: unknown, label: string): number {
  if (value === undefined) return 0;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;

  throw invalid(settings, `delaySeconds ${String(value)} of ${label} is not 0 or more seconds`);
}

function invalid(settings: MessageSettings, detail: string): InvalidConfigError {
  return new InvalidConfigError(
    `Send to queue ${settings.queue}: ${detail}; fix the send options.`,
    {
      provider: 'azure',
    },
  );
}
