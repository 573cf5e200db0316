// AMQP details the broker shares between its parts: message decoding (including the batch
// format the Service Bus SDK sends), the annotations Service Bus stamps on deliveries, lock
// tokens, and the outcomes it settles deliveries with.
import { randomBytes, randomUUID } from 'node:crypto';
import rhea from 'rhea';

/** A decoded AMQP message, as rhea represents it: the fields the broker reads or writes. */
export interface AmqpMessage {
  message_id?: string | number | Buffer;
  correlation_id?: unknown;
  reply_to?: string;
  to?: string;
  delivery_count?: number;
  body?: unknown;
  application_properties?: Record<string, unknown>;
  message_annotations?: Record<string, unknown>;
  [field: string]: unknown;
}

/** Message format of a Service Bus batch: one message whose data sections are messages. */
export const BATCH_FORMAT = 0x80013700;

/** Annotation and property names Service Bus uses. */
export const ANNOTATIONS = {
  enqueuedTime: 'x-opt-enqueued-time',
  sequenceNumber: 'x-opt-sequence-number',
  lockedUntil: 'x-opt-locked-until',
  scheduledEnqueueTime: 'x-opt-scheduled-enqueue-time',
  deadLetterSource: 'x-opt-deadletter-source',
} as const;

/** AMQP error conditions Service Bus answers with. */
export const CONDITIONS = {
  deadLetter: 'com.microsoft:dead-letter',
  lockLost: 'com.microsoft:message-lock-lost',
  tooLarge: 'amqp:link:message-size-exceeded',
  notFound: 'amqp:not-found',
} as const;

interface Section {
  typecode: number;
  content: Buffer | Buffer[];
  multiple?: boolean;
}

/**
 * Decodes what a client sent on a link: a standard message (already decoded by rhea), or a
 * batch whose data sections each hold one encoded message. Returns each message with its
 * encoded size, which the entity's size limit applies to.
 */
export function decodeTransfer(
  payload: AmqpMessage | Buffer,
  format: number | undefined,
): Array<{ message: AmqpMessage; size: number }> {
  if (format !== BATCH_FORMAT) {
    const message = payload as AmqpMessage;
    return [{ message, size: rhea.message.encode(message).length }];
  }
  const outer = rhea.message.decode(payload as Buffer) as AmqpMessage;
  const body = outer.body as Section | undefined;
  const parts =
    body === undefined ? [] : body.multiple ? (body.content as Buffer[]) : [body.content as Buffer];

  return parts.map((part) => ({
    message: rhea.message.decode(part) as AmqpMessage,
    size: part.length,
  }));
}

/** The time a scheduled message becomes visible, or 0 when it is not scheduled. */
export function scheduledTime(message: AmqpMessage): number {
  const value = message.message_annotations?.[ANNOTATIONS.scheduledEnqueueTime];
  if (value instanceof Date) return value.getTime();

  return typeof value === 'number' ? value : 0;
}

/** The message id as a string, assigning one when the sender gave none. */
export function messageIdOf(message: AmqpMessage): string {
  const id = message.message_id;
  if (id === undefined || id === null) {
    const assigned = randomUUID();
    message.message_id = assigned;
    return assigned;
  }

  return Buffer.isBuffer(id) ? rhea.uuid_to_string(id) : String(id);
}

/** A new delivery tag and the lock token the Service Bus SDK will read from it. */
export function newLockToken(): { tag: Buffer; token: string } {
  const tag = randomBytes(16);

  return { tag, token: rhea.uuid_to_string(reorderGuid(tag)) };
}

/** The lock token string of a token sent as a UUID in a management request. */
export function tokenFromUuid(bytes: Buffer | string): string {
  return typeof bytes === 'string' ? bytes : rhea.uuid_to_string(bytes);
}

// The SDK reads delivery tags as .NET GUID bytes: the first three groups are little-endian.
function reorderGuid(bytes: Buffer): Buffer {
  const order = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];

  return Buffer.from(order.map((index) => bytes[index] ?? 0));
}

interface Outcomes {
  accepted(): { described(): unknown };
  rejected(fields: { error: { condition: string; description: string } }): { described(): unknown };
}

const outcomes = rhea.message as unknown as Outcomes;

/** The accepted outcome, described for a disposition. */
export function acceptedOutcome(): unknown {
  return outcomes.accepted().described();
}

/** A rejected outcome carrying an AMQP error, described for a disposition. */
export function rejectedOutcome(condition: string, description: string): unknown {
  return outcomes.rejected({ error: { condition, description } }).described();
}

/** Wraps a sequence number as an AMQP long, as Service Bus sends it. */
export function sequenceValue(sequence: number): unknown {
  return rhea.types.wrap_long(sequence);
}
