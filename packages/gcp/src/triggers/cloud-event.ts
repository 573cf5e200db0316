import { InvalidEventError } from '@cloudport/core';
import { PROVIDER } from '../errors.js';

/**
 * A CloudEvent as functions-framework hands it to a `cloudEvent` function: a plain object with
 * the context attributes (from `ce-*` headers in binary mode, from the body in structured mode)
 * and `data` as the body parser left it.
 */
export interface CloudEventLike {
  id: string;
  type: string;
  source: string;
  specversion: string;
  subject?: string;
  time?: string;
  datacontenttype?: string;
  data?: unknown;
  data_base64?: string;
  traceparent?: string;
  [extension: string]: unknown;
}

/** The CloudEvent type of a Pub/Sub message delivered through Eventarc. */
export const MESSAGE_PUBLISHED = 'google.cloud.pubsub.topic.v1.messagePublished';

const REQUIRED = ['id', 'type', 'source', 'specversion'] as const;

/**
 * Checks that functions-framework handed over a CloudEvent. It passes any POST through, with
 * `id` undefined when the request was no CloudEvent at all; such input raises `INVALID_EVENT`
 * naming what is missing. A raw Pub/Sub push body (`{ subscription, message }`, as a push
 * subscription or the emulator sends it) is accepted too and wrapped as `messagePublished`.
 */
export function toCloudEvent(input: unknown): CloudEventLike {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalid(`The request body is ${describe(input)}, not a CloudEvent.`);
  }
  const candidate = input as Record<string, unknown>;
  if (candidate.specversion === undefined && isPushBody(candidate)) return fromPushBody(candidate);
  if (!hasContext(candidate)) {
    const missing = REQUIRED.filter((name) => !isText(candidate[name]));
    throw invalid(
      `The request is not a CloudEvent: it has no ${missing.join(', ')}. Send it in binary ` +
        'mode (ce-id, ce-type, ce-source and ce-specversion headers) or structured mode ' +
        '(content-type application/cloudevents+json).',
    );
  }

  return candidate as CloudEventLike;
}

/**
 * The event's data as JSON: an object as parsed by the framework, a JSON string, bytes of
 * JSON, or `data_base64`. Raises `INVALID_EVENT` when it is none of these.
 */
export function jsonDataOf(event: CloudEventLike): Record<string, unknown> {
  let data = event.data;
  if (data === undefined && typeof event.data_base64 === 'string') {
    data = Buffer.from(event.data_base64, 'base64');
  }
  if (data instanceof Uint8Array) data = Buffer.from(data).toString('utf8');
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch (cause) {
      throw invalid(`The data of event ${event.id} (${event.type}) is not JSON.`, cause);
    }
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw invalid(
      `The data of event ${event.id} (${event.type}) is ${describe(data)}, not an object.`,
    );
  }

  return data as Record<string, unknown>;
}

/** An `INVALID_EVENT` error of this adapter. */
export function invalid(message: string, cause?: unknown): InvalidEventError {
  return new InvalidEventError(message, { provider: PROVIDER, cause });
}

/** Names a value's shape for error messages without echoing its content. */
export function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return `${value.length} bytes`;

  return `a ${typeof value}`;
}

function hasContext(event: Record<string, unknown>): boolean {
  for (const name of REQUIRED) if (!isText(event[name])) return false;

  return true;
}

function isText(value: unknown): boolean {
  return typeof value === 'string' && value !== '';
}

function isPushBody(body: Record<string, unknown>): boolean {
  const message = body.message as Record<string, unknown> | undefined;

  return (
    typeof body.subscription === 'string' &&
    typeof message === 'object' &&
    message !== null &&
    typeof (message.messageId ?? message.message_id) === 'string'
  );
}

// https://cloud.google.com/pubsub/docs/push#receive_push: the push request body.
function fromPushBody(body: Record<string, unknown>): CloudEventLike {
  const message = body.message as Record<string, unknown>;
  const id = String(message.messageId ?? message.message_id);
  const time = message.publishTime ?? message.publish_time;

  return {
    id,
    type: MESSAGE_PUBLISHED,
    source: '',
    specversion: '1.0',
    ...(typeof time === 'string' ? { time } : {}),
    data: body,
  };
}
