import { type Message, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DEAD_LETTER_ATTRIBUTE } from '@cloudport/aws';
import { type BodyKind, type DeadLetter, decodeBodyFromText } from '@cloudport/core';

/**
 * Reads (and leaves in flight) what a queue's dead-letter queue holds: messages the queue
 * forwarded with a reason, and messages the redrive policy moved after their last receive.
 */
export async function readDeadLetters(
  client: SQSClient,
  url: string,
  kind: BodyKind,
): Promise<DeadLetter<unknown>[]> {
  const letters: DeadLetter<unknown>[] = [];
  for (;;) {
    const output = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: letters.length === 0 ? 1 : 0,
        VisibilityTimeout: 30,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = output.Messages ?? [];
    if (messages.length === 0) return letters;
    letters.push(...messages.map((message) => toDeadLetter(message, kind)));
  }
}

function toDeadLetter(message: Message, kind: BodyKind): DeadLetter<unknown> {
  const note = message.MessageAttributes?.[DEAD_LETTER_ATTRIBUTE]?.StringValue;
  const forwarded = note
    ? (JSON.parse(note) as { reason: string; messageId: string; deadLetteredAt: string })
    : undefined;
  const system = message.Attributes ?? {};

  return {
    messageId: forwarded?.messageId ?? message.MessageId ?? '',
    body: decodeBodyFromText(kind, message.Body ?? ''),
    attributes: {},
    deliveryCount: Number(system.ApproximateReceiveCount) || 1,
    sentAt: new Date(Number(system.SentTimestamp)),
    receipt: message.ReceiptHandle ?? '',
    reason: forwarded?.reason ?? 'moved by the redrive policy after its last receive',
    deadLetteredAt: new Date(forwarded?.deadLetteredAt ?? Date.now()),
  };
}
