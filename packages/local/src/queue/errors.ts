import { CloudportError } from '@cloudport/core';
import type { Entry } from './message-index.js';

/** Why a settlement's receipt is not the current one, in words for the error message. */
export function staleReceiptError(
  queue: string,
  action: string,
  messageId: string,
  entry: Entry | undefined,
  dead: boolean,
): CloudportError {
  let detail = `message ${messageId} is not in the queue (already completed, or never sent here)`;
  if (dead) detail = `message ${messageId} was dead-lettered`;
  else if (entry?.state === 'inflight') {
    detail =
      `message ${messageId} was delivered again after its visibility timeout (now delivery ` +
      `${entry.deliveries}), and this receipt is from an earlier delivery`;
  } else if (entry) detail = `message ${messageId} was already retried and waits for redelivery`;

  return new CloudportError(
    'PRECONDITION_FAILED',
    `Cannot ${action} on queue ${queue}: ${detail}. Settle only the latest delivery, and ` +
      'raise visibilityTimeoutSeconds if handlers need more time.',
    { provider: 'local' },
  );
}

/** The error of any call on a closed queue. */
export function closedQueueError(queue: string, dir: string): CloudportError {
  return new CloudportError(
    'PRECONDITION_FAILED',
    `Queue ${queue} is closed; open ${dir} again with openLocalQueue.`,
    { provider: 'local' },
  );
}
