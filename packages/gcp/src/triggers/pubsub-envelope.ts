import {
  type CloudEventLike,
  describe,
  invalid,
  jsonDataOf,
  MESSAGE_PUBLISHED,
} from './cloud-event.js';
import { isTime } from './time.js';

/** One Pub/Sub message as a `messagePublished` event carries it, fields normalised. */
export interface PublishedMessage {
  messageId: string;
  data: Buffer;
  /** Every attribute, cloudport's own included: the event's own map when it holds only strings. */
  attributes: Record<string, string>;
  orderingKey: string | undefined;
  /** ISO 8601 publish time. */
  publishTime: string;
  /** Pub/Sub's delivery attempt; undefined when it sent 0 or none (no dead-letter policy). */
  deliveryAttempt: number | undefined;
  /** The topic id named by the event's source, when it names one. */
  topic: string | undefined;
}

const SOURCE_TOPIC = /^\/\/pubsub\.googleapis\.com\/projects\/[^/]+\/topics\/([^/]+)$/;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/**
 * Reads the `MessagePublishedData` of an event: `message.data` (base64), `attributes`,
 * `messageId`, `publishTime`, `orderingKey` and the top-level `deliveryAttempt`. Payloads may
 * repeat fields in snake_case (`message_id`, `publish_time`, `delivery_attempt`) and add
 * `@type`; camelCase wins where both are present.
 *
 * @see googleapis/google-cloudevents, proto/google/events/cloud/pubsub/v1/data.proto
 */
export function readPublished(event: CloudEventLike): PublishedMessage {
  if (event.type !== MESSAGE_PUBLISHED) {
    throw invalid(
      `Event ${event.id} has type ${event.type}; a Pub/Sub-triggered function takes ` +
        `${MESSAGE_PUBLISHED}.`,
    );
  }
  const data = jsonDataOf(event);
  const message = data.message;
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    throw invalid(
      `Event ${event.id} carries no Pub/Sub message: data.message is ${describe(message)}.`,
    );
  }
  // Named reads rather than a helper taking the names: each site then stays monomorphic.
  const fields = message as Record<string, unknown>;
  const messageId = fields.messageId ?? fields.message_id ?? event.id;
  const publishTime = fields.publishTime ?? fields.publish_time ?? event.time;
  if (typeof messageId !== 'string' || messageId === '') {
    throw invalid(`Event ${event.id} has a message without a messageId.`);
  }
  if (!isTime(publishTime)) {
    throw invalid(`Message ${messageId} has no valid publishTime.`);
  }

  return {
    messageId,
    data: decodeData(messageId, fields.data),
    attributes: readAttributes(messageId, fields.attributes),
    orderingKey: nonEmpty(fields.orderingKey ?? fields.ordering_key),
    publishTime,
    deliveryAttempt: readAttempt(messageId, data.deliveryAttempt ?? data.delivery_attempt),
    topic: SOURCE_TOPIC.exec(event.source)?.[1],
  };
}

/** The topic id of a binding that names a topic by id or as `projects/P/topics/T`. */
export function topicIdOf(binding: string): string {
  const cut = binding.lastIndexOf('/topics/');

  return cut >= 0 ? binding.slice(cut + '/topics/'.length) : binding;
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function decodeData(messageId: string, value: unknown): Buffer {
  if (value === undefined || value === null || value === '') return Buffer.alloc(0);
  if (typeof value !== 'string' || !BASE64.test(value)) {
    throw invalid(`Message ${messageId} has data that is not base64.`);
  }

  return Buffer.from(value, 'base64');
}

function readAttributes(messageId: string, value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw invalid(`Message ${messageId} has attributes that are ${describe(value)}, not a map.`);
  }
  const fields = value as Record<string, unknown>;
  // Pub/Sub sends string values, so the map is used as it is; a copy only when one is not.
  for (const name in fields) {
    if (typeof fields[name] !== 'string') return stringValues(fields);
  }

  return fields as Record<string, string>;
}

function stringValues(fields: Record<string, unknown>): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const name of Object.keys(fields)) attributes[name] = String(fields[name]);

  return attributes;
}

function readAttempt(messageId: string, value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  const attempt = typeof value === 'string' ? Number(value) : value;
  if (typeof attempt !== 'number' || !Number.isSafeInteger(attempt) || attempt < 0) {
    throw invalid(`Message ${messageId} has a deliveryAttempt of ${JSON.stringify(value)}.`);
  }

  return attempt > 0 ? attempt : undefined;
}
