import {
  type BodyKind,
  type Decoded,
  decodeBody,
  InvalidEventError,
  type MessageEvent,
  type PipelineFunction,
  type QueueTrigger,
} from '@cloudport/core';
import { DEDUP_PROPERTY, NAMES_PROPERTY, restoreNames } from '../queue/service-bus-messages.js';
import { isoTime } from '../time.js';

type Fields = Record<string, unknown>;

// Properties the Functions host and its output bindings add for their own tracing.
const HOST_PROPERTY = '$AzureWebJobs';

/**
 * Decodes one Service Bus message (cardinality `one`). The body should arrive as the bytes
 * sent, which the registration asks for with `dataType: 'binary'`; when the host hands over a
 * value instead, the library has already turned JSON-looking text into a value (`"42"` into
 * 42), so the body is rebuilt as faithfully as it can be. Trigger metadata gives the message
 * id, the delivery count (1 on the first delivery), the enqueued time, the session id as the
 * ordering key and the application properties as attributes; a message without a readable
 * `enqueuedTimeUtc` (which the host always sends) is `INVALID_EVENT`. The v4 library
 * lower-cases the first letter of property names, and turns message ids that look like JSON
 * into values.
 */
export function decodeServiceBusMessage(
  fn: PipelineFunction<QueueTrigger>,
  body: unknown,
  metadata: Fields | undefined,
  fallbackId: string,
): Decoded {
  const raw = { body, triggerMetadata: metadata };
  const messageId = textOf(metadata?.messageId);
  if (messageId === undefined) {
    return { id: fallbackId, error: invalid(fn, 'has no messageId in its trigger metadata'), raw };
  }
  // The host sets it on every message it delivers; without it, the event has no time to give.
  const time = isoTime(metadata?.enqueuedTimeUtc);
  if (time === undefined) {
    const found = JSON.stringify(metadata?.enqueuedTimeUtc) ?? 'nothing';
    const error = invalid(fn, `has no readable enqueuedTimeUtc in its trigger metadata (${found})`);
    return { id: messageId, error, raw };
  }
  try {
    const deliveryCount = Number(metadata?.deliveryCount);
    const event: MessageEvent<unknown> = {
      type: 'message',
      id: messageId,
      queue: fn.trigger.queue.name,
      messageId,
      body: decodeTriggerBody(fn.trigger.queue.body, body),
      attributes: attributesOf(metadata?.applicationProperties ?? metadata?.userProperties),
      deliveryCount: Number.isSafeInteger(deliveryCount) ? deliveryCount : undefined,
      orderingKey: textOf(metadata?.sessionId),
      time,
      raw,
    };

    return { id: messageId, event, orderingKey: event.orderingKey };
  } catch (error) {
    if (!(error instanceof InvalidEventError)) throw error;
    return { id: messageId, error, raw };
  }
}

/**
 * Decodes a batch (cardinality `many`): the input is an array of bodies and the metadata holds
 * parallel arrays (`messageIdArray`, `deliveryCountArray`, `enqueuedTimeUtcArray`,
 * `applicationPropertiesArray`, `sessionIdArray`, ...), one entry per message.
 */
export function decodeServiceBusBatch(
  fn: PipelineFunction<QueueTrigger>,
  bodies: unknown,
  metadata: Fields | undefined,
  fallbackId: string,
): Decoded[] {
  if (!Array.isArray(bodies)) {
    const error = invalid(fn, "is not an array, though the trigger has cardinality 'many'");
    return [{ id: fallbackId, error, raw: { body: bodies, triggerMetadata: metadata } }];
  }

  return bodies.map((body, index) =>
    decodeServiceBusMessage(fn, body, entryMetadata(metadata, index), `${fallbackId}-${index}`),
  );
}

function entryMetadata(metadata: Fields | undefined, index: number): Fields {
  const entry: Fields = {};
  for (const [name, value] of Object.entries(metadata ?? {})) {
    if (name.endsWith('Array') && Array.isArray(value)) entry[name.slice(0, -5)] = value[index];
  }

  return entry;
}

/** Rebuilds a body of the queue's declared kind from what the host handed over. */
export function decodeTriggerBody(kind: BodyKind, body: unknown): unknown {
  if (body instanceof Uint8Array) return decodeBody(kind, body);
  if (typeof body === 'string') {
    return kind === 'text' ? body : decodeBody(kind, Buffer.from(body, 'utf8'));
  }
  if (body === undefined) return decodeBody(kind, new Uint8Array(0));
  // Text that parsed as JSON: the value is the body of a json queue; other kinds get the text
  // back as JSON writes it, which may differ from what was sent ("1.50" comes back as "1.5").
  if (kind === 'json') return body;
  const text = JSON.stringify(body);

  return kind === 'text' ? text : Buffer.from(text, 'utf8');
}

/**
 * String attributes from application properties, leaving out cloudport's and the host's own,
 * under the names they were sent with (cloudport's queue lists those the library recases).
 */
function attributesOf(properties: unknown): Record<string, string> {
  const attributes: Record<string, string> = {};
  if (typeof properties !== 'object' || properties === null) return attributes;
  let names: unknown;
  const fields = properties as Fields;
  for (const name of Object.keys(fields)) {
    const value = fields[name];
    if (name === NAMES_PROPERTY) {
      names = value;
      continue;
    }
    if (name === DEDUP_PROPERTY || name.startsWith(HOST_PROPERTY)) continue;
    const text = textOf(value);
    if (text !== undefined) attributes[name] = text;
  }

  return names === undefined ? attributes : restoreNames(attributes, names);
}

function textOf(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;

  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function invalid(fn: PipelineFunction, what: string): InvalidEventError {
  return new InvalidEventError(
    `Service Bus message for function ${JSON.stringify(fn.name)} ${what}.`,
    { provider: 'azure' },
  );
}
