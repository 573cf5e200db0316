import {
  BatchRequestTooLong,
  type MessageAttributeValue,
  QueueDoesNotExist,
  SQSServiceException,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import {
  DEAD_LETTER_ATTRIBUTE,
  EMPTY_BODY_ATTRIBUTE,
  EMPTY_BODY_PLACEHOLDER,
  fromMessageAttributes,
  fromRecordAttributes,
  unmarkBody,
} from '../src/queue/attributes.js';
import { toForwardAttributes } from '../src/queue/sqs-dead-letter.js';
import { toQueueError } from '../src/queue/sqs-errors.js';
import { prepareEntry } from '../src/queue/sqs-prepare.js';
import type { QueueSettings } from '../src/queue/sqs-settings.js';

const metadata = { httpStatusCode: 400 };
// What SQS answers a SendMessage over the queue's MaximumMessageSize with.
const invalidParameter = (limit: number) =>
  new SQSServiceException({
    name: 'InvalidParameterValue',
    $fault: 'client',
    $metadata: metadata,
    message:
      'One or more parameters are invalid. Reason: Message must be shorter than ' +
      `${limit} bytes.`,
  });

describe('SQS errors become the core errors', () => {
  const sent = { bytes: 300_000, maxMessageBytes: 262_144 };

  it("a size refusal reports the limit SQS names, the queue's own, not 1 MiB", () => {
    const error = toQueueError(invalidParameter(262_144), 'send a message to queue rows', sent);

    expect(error).toMatchObject({ code: 'MESSAGE_TOO_LARGE', size: 300_000, limit: 262_144 });
    expect(error.message).toContain('262144 bytes');
    expect(error.message).not.toContain('1048576');
  });

  it('a MessageTooLong without a limit in its text reports the limit read from the queue', () => {
    const tooLong = new SQSServiceException({
      name: 'MessageTooLong',
      $fault: 'client',
      $metadata: metadata,
      message: 'Message too long',
    });

    expect(toQueueError(tooLong, 'send', sent)).toMatchObject({
      code: 'MESSAGE_TOO_LARGE',
      size: 300_000,
      limit: 262_144,
    });
  });

  it('a batch refusal reports the bytes of the whole batch against the batch limit', () => {
    const error = new BatchRequestTooLong({ $metadata: metadata, message: 'too long' });
    const batch = { bytes: 200_000, batchBytes: 1_100_000, maxMessageBytes: 262_144 };

    expect(toQueueError(error, 'send a batch', batch)).toMatchObject({
      code: 'MESSAGE_TOO_LARGE',
      size: 1_100_000,
      limit: 1_048_576,
    });
  });

  it('another invalid parameter stays a provider error', () => {
    const other = new SQSServiceException({
      name: 'InvalidParameterValue',
      $fault: 'client',
      $metadata: metadata,
      message: 'Value -1 for parameter DelaySeconds is invalid.',
    });

    expect(toQueueError(other, 'send', sent)).toMatchObject({ code: 'PROVIDER_ERROR' });
  });

  it('a missing queue is a configuration error', () => {
    const missing = new QueueDoesNotExist({ $metadata: metadata, message: 'gone' });

    expect(toQueueError(missing, 'send')).toMatchObject({ code: 'INVALID_CONFIG' });
  });
});

const string = (value: string): MessageAttributeValue => ({
  DataType: 'String',
  StringValue: value,
});
const note = {
  reason: 'no total',
  queue: 'rows',
  messageId: 'm-1',
  deadLetteredAt: '2026-01-01T00:00:00.000Z',
};
const noteOf = (attributes: Record<string, MessageAttributeValue>) =>
  JSON.parse(attributes[DEAD_LETTER_ATTRIBUTE]?.StringValue ?? '{}');

describe('the attributes of a dead-lettered message', () => {
  const ten: Record<string, MessageAttributeValue> = {
    ...Object.fromEntries(Array.from({ length: 8 }, (_, n) => [`a${n}`, string(`v${n}`)])),
    empty: { DataType: 'String.cloudport-empty', StringValue: '-' },
    blob: { DataType: 'Binary', BinaryValue: Uint8Array.from([1, 2, 3]) },
  };

  it('sit beside the note while there is a slot for it', () => {
    const forwarded = toForwardAttributes({ a: string('1'), b: string('2') }, note);

    expect(Object.keys(forwarded)).toEqual(['a', 'b', DEAD_LETTER_ATTRIBUTE]);
    expect(noteOf(forwarded)).toEqual(note);
  });

  it('fold into the note when they fill all ten SQS slots, and reads restore them', () => {
    const forwarded = toForwardAttributes(ten, note);

    expect(Object.keys(forwarded)).toEqual([DEAD_LETTER_ATTRIBUTE]);
    expect(noteOf(forwarded).reason).toBe('no total');
    const expected = { ...fromMessageAttributes(ten) };
    expect(expected).toMatchObject({ a0: 'v0', empty: '', blob: 'AQID' });
    expect(fromMessageAttributes(forwarded)).toEqual(expected);
    const record = {
      [DEAD_LETTER_ATTRIBUTE]: {
        dataType: 'String',
        stringValue: forwarded[DEAD_LETTER_ATTRIBUTE]?.StringValue,
      },
    };
    expect(fromRecordAttributes(record)).toEqual(expected);
  });

  it('folded by an earlier dead-letter are carried again, not dropped', () => {
    const first = toForwardAttributes(ten, note);
    const again = toForwardAttributes(first, { ...note, reason: 'still no total' });

    expect(noteOf(again).reason).toBe('still no total');
    expect(fromMessageAttributes(again)).toEqual(fromMessageAttributes(ten));
  });

  it('folded earlier come back out beside the note once there is room', () => {
    const earlier = JSON.stringify({
      ...note,
      attributes: { kept: { type: 'String', value: 'k' } },
    });
    const forwarded = toForwardAttributes(
      { [DEAD_LETTER_ATTRIBUTE]: string(earlier), other: string('o') },
      note,
    );

    expect(Object.keys(forwarded).sort()).toEqual([DEAD_LETTER_ATTRIBUTE, 'kept', 'other']);
    expect(noteOf(forwarded).attributes).toBeUndefined();
  });

  it('of a note that is not cloudport JSON are left alone', () => {
    const forwarded = { [DEAD_LETTER_ATTRIBUTE]: string('{"attributes": nope') };

    expect(fromMessageAttributes(forwarded)).toEqual({});
  });
});

describe('an empty body, which SQS does not carry', () => {
  const settings: QueueSettings = {
    url: 'https://sqs.eu-west-1.amazonaws.com/123456789012/acme-rows',
    name: 'acme-rows',
    fifo: false,
    contentBasedDeduplication: false,
    maxMessageBytes: 1_048_576,
    deadLetterArn: undefined,
  };
  const nine = Object.fromEntries(Array.from({ length: 9 }, (_, n) => [`a${n}`, `v${n}`]));

  it.each([
    ['text', ''],
    ['bytes', new Uint8Array(0)],
  ] as const)('travels as a placeholder with the mark on a %s queue', (kind, body) => {
    const entry = prepareEntry(settings, kind, { body }, 'message');

    expect(entry.MessageBody).toBe(EMPTY_BODY_PLACEHOLDER);
    expect(Object.keys(entry.MessageAttributes ?? {})).toEqual([EMPTY_BODY_ATTRIBUTE]);
    expect(entry.size).toBe(1 + EMPTY_BODY_ATTRIBUTE.length + 'String'.length + 'true'.length);
  });

  it('takes the tenth slot beside nine attributes of its own', () => {
    const entry = prepareEntry(settings, 'text', { body: '', attributes: nine }, 'message');

    expect(Object.keys(entry.MessageAttributes ?? {})).toHaveLength(10);
    expect(fromMessageAttributes(entry.MessageAttributes)).toEqual(nine);
  });

  it('leaves a body of the placeholder character alone when the mark is absent', () => {
    const entry = prepareEntry(settings, 'text', { body: '-' }, 'message');

    expect(entry.MessageBody).toBe('-');
    expect(entry.MessageAttributes).toBeUndefined();
    expect(unmarkBody('-', {})).toBe('-');
  });

  it('reads back empty from a receive, a Lambda record and a folded dead-letter note', () => {
    const entry = prepareEntry(settings, 'text', { body: '', attributes: nine }, 'message');
    const wire = entry.MessageAttributes ?? {};
    const record = { [EMPTY_BODY_ATTRIBUTE]: { dataType: 'String', stringValue: 'true' } };
    const folded = toForwardAttributes(wire, note);

    expect(unmarkBody('-', wire)).toBe('');
    expect(unmarkBody('-', record)).toBe('');
    expect(Object.keys(folded)).toEqual([DEAD_LETTER_ATTRIBUTE]);
    expect(unmarkBody('-', folded)).toBe('');
    expect(fromMessageAttributes(folded)).toEqual(nine);
  });
});
