import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import { InvalidMessageError } from '@cloudport/core';
import type { SqsRecordAttribute } from '../events.js';

/** Attribute names cloudport reserves on SQS messages; sends may not use them. */
export const RESERVED_ATTRIBUTE_PREFIX = 'cloudport.';
/**
 * The attribute a dead-lettered message carries its reason in, as JSON. When the message
 * already had all ten SQS attributes, the note carries them too, under `attributes`, and is
 * the message's only attribute; reads restore them.
 */
export const DEAD_LETTER_ATTRIBUTE = 'cloudport.dead-letter';
/**
 * SQS refuses a message body of no characters, so an empty body (an empty text, or no bytes)
 * travels as {@link EMPTY_BODY_PLACEHOLDER} with this attribute beside it, and is read back as
 * empty. It takes the slot the send left free beside its nine attributes.
 */
export const EMPTY_BODY_ATTRIBUTE = 'cloudport.empty-body';
/** The body an empty body travels as, beside {@link EMPTY_BODY_ATTRIBUTE}. */
export const EMPTY_BODY_PLACEHOLDER = '-';
const EMPTY_BODY_MARK = { DataType: 'String', StringValue: 'true' } as const;

/**
 * SQS refuses empty attribute values, so an empty string travels under this custom String
 * type with a one-character placeholder, and is read back as the empty string.
 */
export const EMPTY_STRING_TYPE = 'String.cloudport-empty';
const EMPTY_PLACEHOLDER = '-';
// Names: 1-256 of [A-Za-z0-9_.-], no leading or trailing period, no "..", no AWS./Amazon. prefix.
const NAME = /^[A-Za-z0-9_-](?:[A-Za-z0-9_.-]{0,254}[A-Za-z0-9_-])?$/;
const AWS_PREFIX = /^(?:aws|amazon)\./i;

/** Attributes encoded for SendMessage, with the bytes SQS counts toward the message size. */
export interface EncodedAttributes {
  attributes: Record<string, MessageAttributeValue> | undefined;
  count: number;
  bytes: number;
}

/**
 * Encodes neutral string attributes as SQS `String` attributes (empty strings under
 * {@link EMPTY_STRING_TYPE}); names are checked against the SQS rules first.
 */
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html
export function toMessageAttributes(
  attributes: Record<string, string> | undefined,
  where: string,
): EncodedAttributes {
  if (attributes === undefined) return { attributes: undefined, count: 0, bytes: 0 };
  const encoded: Record<string, MessageAttributeValue> = {};
  let count = 0;
  let bytes = 0;
  for (const name of Object.keys(attributes)) {
    const value = attributes[name];
    checkName(name, where);
    if (typeof value !== 'string') {
      throw new InvalidMessageError(
        `${where}: attribute ${JSON.stringify(name)} is not a string; attributes carry strings.`,
        { provider: 'aws' },
      );
    }
    const entry = toStringAttribute(value);
    encoded[name] = entry;
    count += 1;
    // SQS counts the data type name too: AWS_LIMITS.queue.attributeOverheadBytes for "String".
    bytes += utf8Length(name) + entry.DataType.length + utf8Length(entry.StringValue);
  }

  return { attributes: count === 0 ? undefined : encoded, count, bytes };
}

/** Adds the empty-body mark to encoded attributes, with the bytes SQS counts for it. */
export function withEmptyBodyMark(encoded: EncodedAttributes): EncodedAttributes {
  const mark = EMPTY_BODY_MARK;
  const bytes =
    utf8Length(EMPTY_BODY_ATTRIBUTE) + utf8Length(mark.DataType) + utf8Length(mark.StringValue);

  return {
    attributes: { ...encoded.attributes, [EMPTY_BODY_ATTRIBUTE]: { ...mark } },
    count: encoded.count + 1,
    bytes: encoded.bytes + bytes,
  };
}

/**
 * The body as it was sent: the empty string for the placeholder when the message carries the
 * empty-body mark, directly or folded into a dead-letter note; any other body as it is.
 */
export function unmarkBody(
  body: string,
  attributes: Record<string, SqsRecordAttribute | MessageAttributeValue> | undefined,
): string {
  if (body !== EMPTY_BODY_PLACEHOLDER || attributes === undefined || attributes === null) {
    return body;
  }
  if (attributes[EMPTY_BODY_ATTRIBUTE] !== undefined) return '';
  const note = attributes[DEAD_LETTER_ATTRIBUTE] as
    | { stringValue?: string; StringValue?: string }
    | undefined;
  const carried = carriedByNote(note?.StringValue ?? note?.stringValue);

  return carried?.[EMPTY_BODY_ATTRIBUTE] !== undefined ? '' : body;
}

/** A neutral string as an SQS `String` attribute, the empty string under its custom type. */
export function toStringAttribute(value: string): { DataType: string; StringValue: string } {
  return value === ''
    ? { DataType: EMPTY_STRING_TYPE, StringValue: EMPTY_PLACEHOLDER }
    : { DataType: 'String', StringValue: value };
}

/**
 * Reads the attributes of a Lambda SQS record as neutral strings: `String` and `Number` values
 * as they were sent (custom type labels included), `Binary` values as base64, and cloudport's
 * reserved attributes left out (the attributes a dead-letter note carries are restored).
 */
export function fromRecordAttributes(
  attributes: Record<string, SqsRecordAttribute> | undefined,
): Record<string, string> {
  const result: Record<string, string> = {};
  if (attributes === undefined || attributes === null) return result;
  for (const name in attributes) {
    if (name.startsWith(RESERVED_ATTRIBUTE_PREFIX)) {
      if (name === DEAD_LETTER_ATTRIBUTE) unfoldNote(attributes[name]?.stringValue, result);
      continue;
    }
    const attribute = attributes[name];
    const type = attribute?.dataType ?? 'String';
    if (type === EMPTY_STRING_TYPE) result[name] = '';
    else if (type.startsWith('Binary')) result[name] = attribute?.binaryValue ?? '';
    else result[name] = attribute?.stringValue ?? '';
  }

  return result;
}

/** Reads ReceiveMessage attributes as neutral strings, the same way as Lambda records. */
export function fromMessageAttributes(
  attributes: Record<string, MessageAttributeValue> | undefined,
): Record<string, string> {
  const result: Record<string, string> = {};
  if (attributes === undefined) return result;
  for (const name of Object.keys(attributes)) {
    if (name.startsWith(RESERVED_ATTRIBUTE_PREFIX)) {
      if (name === DEAD_LETTER_ATTRIBUTE) unfoldNote(attributes[name]?.StringValue, result);
      continue;
    }
    const attribute = attributes[name];
    const type = attribute?.DataType ?? 'String';
    if (type === EMPTY_STRING_TYPE) result[name] = '';
    else if (type.startsWith('Binary')) {
      result[name] = Buffer.from(attribute?.BinaryValue ?? new Uint8Array()).toString('base64');
    } else result[name] = attribute?.StringValue ?? '';
  }

  return result;
}

/** An attribute as a dead-letter note carries it: its SQS type, and binary values as base64. */
export interface CarriedAttribute {
  type: string;
  value: string;
}

/** The attributes a dead-letter note carries, or undefined when it carries none or is not JSON. */
export function carriedByNote(
  note: string | undefined,
): Record<string, CarriedAttribute> | undefined {
  if (note === undefined || !note.includes('"attributes"')) return undefined;
  try {
    const carried = (JSON.parse(note) as { attributes?: unknown }).attributes;
    return typeof carried === 'object' && carried !== null
      ? (carried as Record<string, CarriedAttribute>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Adds the attributes a dead-letter note carries to `result`, as neutral strings. */
function unfoldNote(note: string | undefined, result: Record<string, string>): void {
  const carried = carriedByNote(note);
  if (carried === undefined) return;
  for (const name of Object.keys(carried)) {
    const { type, value } = carried[name] ?? {};
    if (typeof value !== 'string' || name.startsWith(RESERVED_ATTRIBUTE_PREFIX)) continue;
    result[name] = type === EMPTY_STRING_TYPE ? '' : value;
  }
}

function checkName(name: string, where: string): void {
  if (NAME.test(name) && !name.includes('..') && !AWS_PREFIX.test(name)) {
    if (!name.startsWith(RESERVED_ATTRIBUTE_PREFIX)) return;
    throw new InvalidMessageError(
      `${where}: attribute ${JSON.stringify(name)} uses the reserved prefix ` +
        `"${RESERVED_ATTRIBUTE_PREFIX}"; rename it.`,
      { provider: 'aws' },
    );
  }

  throw new InvalidMessageError(
    `${where}: attribute name ${JSON.stringify(name)} is not valid on SQS (1-256 letters, ` +
      'digits, "_", "-" or ".", no leading, trailing or double period, no AWS./Amazon. prefix).',
    { provider: 'aws' },
  );
}

/** Bytes of a string in UTF-8. */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
