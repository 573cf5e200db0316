import {
  CloudportError,
  InvalidConfigError,
  MessageTooLargeError,
  ProviderError,
} from '@cloudport/core';

interface ServiceBusErrorLike {
  name?: string;
  code?: string;
  message?: string;
}

// ServiceBusErrorCode values:
// https://learn.microsoft.com/javascript/api/@azure/service-bus/servicebuserror
const CONFIG_CODES = new Set([
  'MessagingEntityNotFound',
  'MessagingEntityDisabled',
  'UnauthorizedAccess',
]);
const LOCK_CODES = new Set(['MessageLockLost', 'SessionLockLost']);

/** What a translation needs to know about the failed call. */
export interface QueueCall {
  queue: string;
  entity: string;
  /** The operation, in words: `send to`, `receive from`, `complete a message of`, ... */
  action: string;
  /** The entity's message size limit, for `MESSAGE_TOO_LARGE`. */
  limit: number;
}

/**
 * Translates a Service Bus error into cloudport's typed errors, keeping it as `cause`: an
 * oversized message becomes `MESSAGE_TOO_LARGE`, a lost lock `PRECONDITION_FAILED` (the delivery
 * was redelivered or settled), a missing entity or refused credentials `INVALID_CONFIG`, other
 * service errors `PROVIDER_ERROR`. Anything else (aborts, programming errors) is returned as is.
 */
export function toQueueError(error: unknown, call: QueueCall): unknown {
  if (!(error instanceof Error) || error.name === 'AbortError') return error;
  const { code } = error as ServiceBusErrorLike;
  if (error.name !== 'ServiceBusError' && code === undefined) return error;
  const options = { provider: 'azure', cause: error } as const;
  const where = `queue ${call.queue} (Service Bus entity ${call.entity})`;
  if (code === 'MessageSizeExceeded') {
    return new MessageTooLargeError(
      `Service Bus refused a message for ${where} as larger than the entity allows ` +
        `(${call.limit} bytes here); store the payload in a bucket and send its key.`,
      // The service does not say by how much: the least size that is over.
      call.limit + 1,
      call.limit,
      options,
    );
  }
  if (code !== undefined && LOCK_CODES.has(code)) {
    return new CloudportError(
      'PRECONDITION_FAILED',
      `Cannot ${call.action} ${where}: the message's lock was lost (it expired, or the message ` +
        'was settled already), so it will be or was delivered again. Settle within the lock ' +
        'duration, or raise the lock duration of the entity.',
      options,
    );
  }
  if (code !== undefined && CONFIG_CODES.has(code)) {
    return new InvalidConfigError(
      `Cannot ${call.action} ${where}: ${code}. Check that the entity exists and that the ` +
        'connection may send and listen.',
      options,
    );
  }

  return new ProviderError(
    `Service Bus failed to ${call.action} ${where}: ${error.message}`,
    options,
  );
}
