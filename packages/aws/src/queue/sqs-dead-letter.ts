import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import { AWS_LIMITS, MessageTooLargeError } from '@cloudport/core';
import {
  type CarriedAttribute,
  carriedByNote,
  DEAD_LETTER_ATTRIBUTE,
  toStringAttribute,
  utf8Length,
} from './attributes.js';
import type { QueueSettings } from './sqs-settings.js';

/** Why and when a message was dead-lettered, as the note attribute holds it. */
export interface DeadLetterNote {
  reason: string;
  queue: string;
  messageId: string;
  deadLetteredAt: string;
  /** The message's own attributes, when they left no slot for the note beside them. */
  attributes?: Record<string, CarriedAttribute>;
}

type WireAttributes = Record<string, MessageAttributeValue>;

/** A message as it is forwarded to a dead-letter queue, with the bytes SQS counts. */
export interface Forward {
  body: string;
  attributes: WireAttributes;
  bytes: number;
}

/**
 * Builds the message a dead-letter forwards: the body as it was, the attributes with the note
 * ({@link toForwardAttributes}), checked against the dead-letter queue's own
 * MaximumMessageSize before anything is sent.
 */
export function prepareForward(
  target: QueueSettings,
  message: { body: string; attributes: WireAttributes | undefined; note: DeadLetterNote },
): Forward {
  const { body, note } = message;
  const attributes = toForwardAttributes(message.attributes, note);
  const bytes = utf8Length(body) + attributeBytes(attributes);
  if (bytes > target.maxMessageBytes) {
    throw new MessageTooLargeError(
      `Message ${note.messageId} of queue ${note.queue} cannot be dead-lettered: with its ` +
        `reason it is ${bytes} bytes, over the MaximumMessageSize of ${target.name} ` +
        `(${target.maxMessageBytes} bytes); it stays in flight, for the redrive policy. Raise ` +
        "the dead-letter queue's MaximumMessageSize to the queue's.",
      bytes,
      target.maxMessageBytes,
      { provider: 'aws' },
    );
  }

  return { body, attributes, bytes };
}

/**
 * The attributes a dead-lettered message is forwarded with: its own (with any that an earlier
 * note carried) beside the note. SQS takes 10 attributes per message, so when the message's own
 * fill all 10, as a message from another producer may, they are folded into the note, which is
 * then the only attribute; reads of the dead-letter queue restore them. Nothing is dropped.
 */
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html
export function toForwardAttributes(
  own: WireAttributes | undefined,
  note: Omit<DeadLetterNote, 'attributes'>,
): WireAttributes {
  const kept: WireAttributes = {};
  for (const name of Object.keys(own ?? {})) {
    const value = own?.[name];
    if (name !== DEAD_LETTER_ATTRIBUTE && value !== undefined) kept[name] = value;
  }
  const earlier = carriedByNote(own?.[DEAD_LETTER_ATTRIBUTE]?.StringValue) ?? {};
  const folded: Record<string, CarriedAttribute> = {};
  for (const name of Object.keys(earlier)) {
    const value = earlier[name];
    if (!(name in kept) && typeof value?.value === 'string') folded[name] = value;
  }
  const count = Object.keys(kept).length + Object.keys(folded).length;

  if (count < AWS_LIMITS.queue.maxAttributes) {
    const attributes = { ...kept };
    for (const name of Object.keys(folded)) attributes[name] = toWire(folded[name]!);
    attributes[DEAD_LETTER_ATTRIBUTE] = noteAttribute(note);
    return attributes;
  }
  for (const name of Object.keys(kept)) folded[name] = toCarried(kept[name]!);

  return { [DEAD_LETTER_ATTRIBUTE]: noteAttribute({ ...note, attributes: folded }) };
}

/** SQS attributes from neutral strings, for a message this queue did not receive itself. */
export function fromNeutralAttributes(attributes: Record<string, string>): WireAttributes {
  const wire: WireAttributes = {};
  for (const name of Object.keys(attributes)) {
    wire[name] = toStringAttribute(attributes[name] ?? '');
  }

  return wire;
}

/** The bytes SQS counts toward a message's size for its attributes: names, types and values. */
export function attributeBytes(attributes: WireAttributes): number {
  let bytes = 0;
  for (const name of Object.keys(attributes)) {
    const { DataType = '', StringValue, BinaryValue } = attributes[name] ?? {};
    const value = BinaryValue ? BinaryValue.byteLength : utf8Length(StringValue ?? '');
    bytes += utf8Length(name) + utf8Length(DataType) + value;
  }

  return bytes;
}

function noteAttribute(note: DeadLetterNote): MessageAttributeValue {
  return { DataType: 'String', StringValue: JSON.stringify(note) };
}

function toCarried(attribute: MessageAttributeValue): CarriedAttribute {
  const type = attribute.DataType ?? 'String';
  if (attribute.BinaryValue !== undefined) {
    return { type, value: Buffer.from(attribute.BinaryValue).toString('base64') };
  }

  return { type, value: attribute.StringValue ?? '' };
}

function toWire({ type, value }: CarriedAttribute): MessageAttributeValue {
  if (type.startsWith('Binary'))
    return { DataType: type, BinaryValue: Buffer.from(value, 'base64') };

  return { DataType: type, StringValue: value };
}
