import type { SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import {
  AWS_LIMITS,
  type BodyKind,
  encodeBodyAsText,
  InvalidConfigError,
  InvalidMessageError,
  MessageTooLargeError,
  type SendEntry,
  UnsupportedError,
} from '@cloudport/core';
import { randomId } from '../builtins.js';
import {
  DEAD_LETTER_ATTRIBUTE,
  EMPTY_BODY_ATTRIBUTE,
  EMPTY_BODY_PLACEHOLDER,
  toMessageAttributes,
  utf8Length,
  withEmptyBodyMark,
} from './attributes.js';
import type { QueueSettings } from './sqs-settings.js';

/** A checked message, ready to be one entry of SendMessage or SendMessageBatch. */
export type PreparedEntry = Omit<SendMessageBatchRequestEntry, 'Id'> & { size: number };

/**
 * Attributes a send may carry: SQS allows 10 per message, and one is kept for the reason a
 * dead-lettered message carries to its dead-letter queue.
 */
export const MAX_SEND_ATTRIBUTES = AWS_LIMITS.queue.maxAttributes - 1;
// SQS bodies and attribute values are XML text: tab, newline, carriage return and the
// characters from U+0020, except surrogates and U+FFFE/U+FFFF.
const REFUSED_CHARACTER = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;
const FIFO_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * Checks one message against the queue's settings and encodes it for SQS: the body as text by
 * the queue's kind (bytes as base64), string attributes, the delay, and for FIFO queues the
 * message group (the ordering key) and deduplication id. Every limit is checked here, before
 * anything is sent.
 */
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
export function prepareEntry(
  settings: QueueSettings,
  kind: BodyKind,
  entry: SendEntry<unknown>,
  label: string,
): PreparedEntry {
  const where = `The ${label} for queue ${settings.name}`;
  const encoded = encodeBody(kind, entry.body, where);
  const empty = encoded === '';
  const body = empty ? EMPTY_BODY_PLACEHOLDER : encoded;
  checkCharacters(body, `${where} holds`);
  for (const [name, value] of Object.entries(entry.attributes ?? {})) {
    if (typeof value === 'string') checkCharacters(value, `${where} has attribute ${name} with`);
  }
  const own = toMessageAttributes(entry.attributes, where);
  if (own.count > MAX_SEND_ATTRIBUTES) {
    throw new MessageTooLargeError(
      `${where} has ${own.count} attributes; a send takes at most ` +
        `${MAX_SEND_ATTRIBUTES}, since SQS carries ${AWS_LIMITS.queue.maxAttributes} per message ` +
        `and cloudport keeps one for its own marks (${DEAD_LETTER_ATTRIBUTE} for dead-letter ` +
        `reasons, ${EMPTY_BODY_ATTRIBUTE} for empty bodies); merge some into the body.`,
      own.count,
      MAX_SEND_ATTRIBUTES,
      { provider: 'aws' },
    );
  }
  const attributes = empty ? withEmptyBodyMark(own) : own;
  const size = utf8Length(body) + attributes.bytes;
  if (size > settings.maxMessageBytes) {
    throw new MessageTooLargeError(
      `${where} is ${size} bytes with its attributes (names, data types and values), over ` +
        `the queue's MaximumMessageSize of ${settings.maxMessageBytes} bytes; store the ` +
        'payload in a bucket and send its key.',
      size,
      settings.maxMessageBytes,
      { provider: 'aws' },
    );
  }

  return {
    MessageBody: body,
    MessageAttributes: attributes.attributes,
    DelaySeconds: delayOf(settings, entry.delaySeconds, where),
    ...fifoFields(settings, entry, where),
    size,
  };
}

/**
 * Splits prepared entries into SendMessageBatch calls of at most 10 entries and at most the
 * 1 MiB total payload SQS accepts, keeping their order.
 */
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html
export function splitBatch(entries: PreparedEntry[]): PreparedEntry[][] {
  const { maxBatchEntries, maxBatchBytes } = AWS_LIMITS.queue;
  const chunks: PreparedEntry[][] = [];
  let chunk: PreparedEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    if (
      chunk.length > 0 &&
      (chunk.length >= maxBatchEntries || bytes + entry.size > maxBatchBytes)
    ) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(entry);
    bytes += entry.size;
  }
  if (chunk.length > 0) chunks.push(chunk);

  return chunks;
}

function checkCharacters(text: string, what: string): void {
  const refused = REFUSED_CHARACTER.exec(text);
  if (!refused) return;
  const code = (refused[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');

  throw new InvalidMessageError(
    `${what} U+${code}, which SQS does not carry; send such data on a bytes queue.`,
    { provider: 'aws' },
  );
}

function encodeBody(kind: BodyKind, body: unknown, where: string): string {
  try {
    return encodeBodyAsText(kind, body);
  } catch (cause) {
    throw new InvalidMessageError(`${where} cannot be encoded: ${(cause as Error).message}`, {
      provider: 'aws',
      cause,
    });
  }
}

function delayOf(settings: QueueSettings, delay: number | undefined, where: string) {
  if (delay === undefined || delay === 0) return undefined;
  if (!Number.isSafeInteger(delay) || delay < 0 || delay > AWS_LIMITS.queue.maxDelaySeconds) {
    throw invalid(
      `${where} has delaySeconds ${delay}; SQS takes whole seconds from 0 to ` +
        `${AWS_LIMITS.queue.maxDelaySeconds}.`,
    );
  }
  if (settings.fifo) {
    throw new UnsupportedError(
      'queue.delay',
      `${settings.name} is a FIFO queue, and SQS delays FIFO messages only queue-wide ` +
        '(its DelaySeconds attribute); send without delaySeconds.',
      { provider: 'aws' },
    );
  }

  return delay;
}

function fifoFields(settings: QueueSettings, entry: SendEntry<unknown>, where: string) {
  const { orderingKey, deduplicationId } = entry;
  if (!settings.fifo) {
    if (orderingKey !== undefined) throw standardOnly('queue.ordering-key', settings);
    if (deduplicationId !== undefined) throw standardOnly('queue.deduplication', settings);
    return {};
  }
  for (const [field, value] of [
    ['orderingKey', orderingKey],
    ['deduplicationId', deduplicationId],
  ] as const) {
    if (value !== undefined && (typeof value !== 'string' || !FIFO_ID.test(value))) {
      throw invalid(
        `${where} has ${field} ${JSON.stringify(value)}; SQS takes 1 to 128 printable ASCII ` +
          'characters without spaces.',
      );
    }
  }
  // Without content-based deduplication SQS requires an id; a fresh one keeps every send.
  const dedup = settings.contentBasedDeduplication ? undefined : randomId();

  return {
    // No ordering key means no order: each such message is a group of its own, so that it
    // neither waits for nor holds back any other message.
    MessageGroupId: orderingKey ?? randomId(),
    MessageDeduplicationId: deduplicationId ?? dedup,
  };
}

function standardOnly(feature: string, settings: QueueSettings): UnsupportedError {
  const what = feature === 'queue.ordering-key' ? 'an ordering key' : 'a deduplication id';

  return new UnsupportedError(
    feature,
    `${settings.name} is a standard SQS queue, which cannot honour ${what}; bind a FIFO queue ` +
      '(a name ending in .fifo) to use it.',
    { provider: 'aws' },
  );
}

function invalid(message: string, cause?: unknown): InvalidConfigError {
  return new InvalidConfigError(message, { provider: 'aws', cause });
}
