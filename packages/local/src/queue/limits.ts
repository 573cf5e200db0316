import {
  InvalidConfigError,
  MessageTooLargeError,
  type SendOptions,
  UnsupportedError,
} from '@cloudport/core';
import type { QueueSettings } from './options.js';
import { checkProfileRules } from './profile-rules.js';

/** A message checked and encoded, ready to be written. */
export interface PreparedMessage {
  body: Uint8Array;
  options: SendOptions;
  /** Bytes the provider would count: the body as carried plus the attributes. */
  size: number;
}

/** Entries of one batch chunk when no profile sets a limit; bounds the files open at once. */
const DEFAULT_CHUNK = 100;

/**
 * Checks one message's options and, under a profile, the provider's limits.
 *
 * The size counts the body as the provider carries it (base64 for byte bodies on `aws`, whose
 * queue bodies are text) plus the UTF-8 bytes of attribute names and values, and the profile's
 * overhead for each attribute (the data type name on `aws`).
 */
export function checkMessage(
  settings: QueueSettings,
  body: Uint8Array,
  options: SendOptions,
  label: string,
): PreparedMessage {
  const attributes = options.attributes ?? {};
  const overhead = settings.limits?.attributeOverheadBytes ?? 0;
  let attributeBytes = 0;
  let attributeCount = 0;
  for (const [key, value] of Object.entries(attributes)) {
    if (typeof value !== 'string') {
      throw invalidOption(settings, `attribute ${JSON.stringify(key)} of ${label} is not a string`);
    }
    attributeBytes += Buffer.byteLength(key) + Buffer.byteLength(value) + overhead;
    attributeCount += 1;
  }
  checkText(settings, options.orderingKey, 'orderingKey', label);
  checkText(settings, options.deduplicationId, 'deduplicationId', label);
  const delay = options.delaySeconds ?? 0;
  if (!Number.isFinite(delay) || delay < 0) {
    throw invalidOption(settings, `delaySeconds ${delay} of ${label} is not 0 or more seconds`);
  }
  const carried =
    settings.profile === 'aws' && settings.body === 'bytes'
      ? 4 * Math.ceil(body.length / 3)
      : body.length;
  checkProfileRules(settings, options, label);
  const prepared = { body, options, size: carried + attributeBytes };
  if (settings.limits)
    checkProfileLimits(settings, prepared, attributeCount, attributeBytes, label);

  return prepared;
}

function checkProfileLimits(
  settings: QueueSettings,
  message: PreparedMessage,
  attributeCount: number,
  attributeBytes: number,
  label: string,
): void {
  const limits = settings.limits;
  if (!limits) return;
  const where = `${settings.profile} limit`;
  if (message.size > limits.maxMessageBytes) {
    throw new MessageTooLargeError(
      `The ${label} for queue ${settings.name} is ${message.size} bytes, over the ${where} of ` +
        `${limits.maxMessageBytes} bytes; store the payload in a bucket and send its key.`,
      message.size,
      limits.maxMessageBytes,
      { provider: 'local' },
    );
  }
  if (attributeCount > limits.maxAttributes) {
    throw new MessageTooLargeError(
      `The ${label} for queue ${settings.name} has ${attributeCount} attributes, over the ` +
        `${where} of ${limits.maxAttributes}; merge some into the body.`,
      attributeCount,
      limits.maxAttributes,
      { provider: 'local' },
    );
  }
  if (attributeBytes > limits.maxAttributesBytes) {
    throw new MessageTooLargeError(
      `The attributes of the ${label} for queue ${settings.name} take ${attributeBytes} bytes, ` +
        `over the ${where} of ${limits.maxAttributesBytes}; move data into the body.`,
      attributeBytes,
      limits.maxAttributesBytes,
      { provider: 'local' },
    );
  }
  const delay = message.options.delaySeconds ?? 0;
  if (delay > 0 && limits.maxDelaySeconds === 0) {
    throw new UnsupportedError(
      'queue.delay',
      `${settings.profile} queues cannot delay a message (delaySeconds ${delay} on queue ` +
        `${settings.name}); send without a delay.`,
      { provider: 'local' },
    );
  }
  if (delay > limits.maxDelaySeconds) {
    throw invalidOption(
      settings,
      `delaySeconds ${delay} of ${label} is over the ${where} of ${limits.maxDelaySeconds}`,
    );
  }
}

/**
 * Splits checked messages into chunks within the profile's batch entry and byte limits (100
 * entries a chunk without a profile), keeping their order.
 */
export function splitBatch(
  settings: QueueSettings,
  messages: ReadonlyArray<PreparedMessage>,
): PreparedMessage[][] {
  const maxEntries = settings.limits?.maxBatchEntries ?? DEFAULT_CHUNK;
  const maxBytes = settings.limits?.maxBatchBytes ?? Number.POSITIVE_INFINITY;
  const chunks: PreparedMessage[][] = [];
  let chunk: PreparedMessage[] = [];
  let bytes = 0;
  for (const message of messages) {
    const full = chunk.length >= maxEntries || bytes + message.size > maxBytes;
    if (full && chunk.length > 0) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(message);
    bytes += message.size;
  }
  if (chunk.length > 0) chunks.push(chunk);

  return chunks;
}

function checkText(settings: QueueSettings, value: unknown, field: string, label: string): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || value.length === 0) {
    throw invalidOption(
      settings,
      `${field} ${JSON.stringify(value)} of ${label} is not a non-empty string`,
    );
  }
}

function invalidOption(settings: QueueSettings, detail: string): InvalidConfigError {
  return new InvalidConfigError(
    `Send to queue ${settings.name}: ${detail}; fix the send options.`,
    {
      provider: 'local',
    },
  );
}
