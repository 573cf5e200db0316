import {
  AWS_LIMITS,
  type CloudportError,
  InvalidConfigError,
  isCloudportError,
  MessageTooLargeError,
} from '@cloudport/core';
import { isSdkError, toProviderError } from '../errors.js';

const MISSING_QUEUE = ['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue'];
const TOO_LONG = ['MessageTooLong'];
const INVALID_PARAMETER = ['InvalidParameterValue', 'InvalidParameterValueException'];
// SQS refuses an oversized SendMessage as an invalid parameter, naming the queue's limit.
const SHORTER_THAN = /Message must be shorter than (\d+) bytes/;
const BATCH_TOO_LONG = ['BatchRequestTooLong', 'AWS.SimpleQueueService.BatchRequestTooLong'];

/** What a refused send weighed, and the queue's own MaximumMessageSize it was checked against. */
export interface SentSize {
  /** Bytes of the message (for a batch, of its largest entry) with its attributes. */
  bytes: number;
  /** Bytes of all the entries of a batch. */
  batchBytes?: number;
  /** The MaximumMessageSize of the queue sent to, as read from it. */
  maxMessageBytes: number;
}

/**
 * Translates an SQS SDK error at the queue's boundary, keeping it as `cause`: a missing queue
 * is `INVALID_CONFIG` (its binding is wrong), a size refusal of a send `MESSAGE_TOO_LARGE`
 * with the queue's own MaximumMessageSize (the one SQS names, else the one read from the
 * queue) or the batch limit, anything else `PROVIDER_ERROR`. Abort errors and cloudport
 * errors pass through unchanged.
 */
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/CommonErrors.html
export function toQueueError(
  error: unknown,
  action: string,
  sent?: SentSize,
): CloudportError | Error {
  const name = (error as Error | null)?.name;
  if (name === 'AbortError' || name === 'TimeoutError') return error as Error;
  if (isCloudportError(error)) return error;
  const options = { provider: 'aws', cause: error } as const;
  const detail = (error as Error | null)?.message;
  if (isSdkError(error, MISSING_QUEUE)) {
    return new InvalidConfigError(
      `Failed to ${action}: the queue does not exist; create it or fix its binding.`,
      options,
    );
  }
  const named = SHORTER_THAN.exec(typeof detail === 'string' ? detail : '')?.[1];
  const tooLong = isSdkError(error, TOO_LONG) || (named && isSdkError(error, INVALID_PARAMETER));
  if (sent && tooLong) {
    const limit = named === undefined ? sent.maxMessageBytes : Number(named);
    return new MessageTooLargeError(
      `Failed to ${action}: SQS refused ${sent.bytes} bytes (${detail}); the queue's ` +
        `MaximumMessageSize is ${limit} bytes, and was ${sent.maxMessageBytes} when first ` +
        'read. It is read again before the next send; store large payloads in a bucket.',
      sent.bytes,
      limit,
      options,
    );
  }
  if (sent && isSdkError(error, BATCH_TOO_LONG)) {
    const limit = AWS_LIMITS.queue.maxBatchBytes;
    const bytes = sent.batchBytes ?? sent.bytes;
    return new MessageTooLargeError(
      `Failed to ${action}: SQS refused a batch of ${bytes} bytes (${detail}); one ` +
        `SendMessageBatch call takes ${limit} bytes in all.`,
      bytes,
      limit,
      options,
    );
  }

  return toProviderError(action, error);
}
