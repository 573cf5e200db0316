import type { Message } from '@aws-sdk/client-sqs';
import { type BodyKind, decodeBodyFromText, type ReceivedMessage } from '@cloudport/core';
import { fromMessageAttributes, unmarkBody } from './attributes.js';

/**
 * Turns a ReceiveMessage result into a received message: the body decoded by the queue's
 * kind, attributes as neutral strings, `ApproximateReceiveCount` as the delivery count and,
 * on FIFO queues, the message group as the ordering key. An undecodable body raises
 * `INVALID_EVENT`.
 */
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html
export function toReceived<T>(message: Message, kind: BodyKind, fifo: boolean): ReceivedMessage<T> {
  const system = message.Attributes ?? {};

  return {
    messageId: message.MessageId ?? '',
    body: decodeBodyFromText(kind, unmarkBody(message.Body ?? '', message.MessageAttributes)) as T,
    attributes: fromMessageAttributes(message.MessageAttributes),
    deliveryCount: Number(system.ApproximateReceiveCount) || 1,
    orderingKey: fifo ? system.MessageGroupId : undefined,
    deduplicationId: fifo ? system.MessageDeduplicationId : undefined,
    sentAt: new Date(Number(system.SentTimestamp) || Date.now()),
    receipt: message.ReceiptHandle ?? '',
  };
}
