import {
  AWS_LIMITS,
  type CloudportError,
  InvalidConfigError,
  MessageTooLargeError,
} from '@cloudport/core';
import { isSdkError, toProviderError } from '../errors.js';

const MISSING_QUEUE = ['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue'];
const TOO_LONG = [
  'MessageTooLong',
  'BatchRequestTooLong',
  'AWS.SimpleQueueService.BatchRequestTooLong',
];

/**
 * Translates an SQS SDK error at the queue's boundary, keeping it as `cause`: a missing queue
 * is `INVALID_CONFIG` (its binding is wrong), a size refusal `MESSAGE_TOO_LARGE`, anything
 * else `PROVIDER_ERROR`. Abort errors pass through unchanged.
 */
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/CommonErrors.html
export function toQueueError(error: unknown, action: string): CloudportError | Error {
  const name = (error as Error | null)?.name;
  if (name === 'AbortError' || name === 'TimeoutError') return error as Error;
  const options = { provider: 'aws', cause: error } as const;
  if (isSdkError(error, MISSING_QUEUE)) {
    return new InvalidConfigError(
      `Failed to ${action}: the queue does not exist; create it or fix its binding.`,
      options,
    );
  }
  if (isSdkError(error, TOO_LONG)) {
    const limit = AWS_LIMITS.queue.maxMessageBytes;
    return new MessageTooLargeError(
      `Failed to ${action}: SQS refused the size (${(error as Error).message}).`,
      limit + 1,
      limit,
      options,
    );
  }

  return toProviderError(action, error);
}
