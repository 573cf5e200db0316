import { CloudportError, type ProviderName } from './errors.js';
import type { ReceivedMessage } from './queue.js';

/** Where {@link LatestReceipts.check} reports a stale receipt. */
export interface StaleReceiptContext {
  queue: string;
  /** What the caller tried, such as `complete`. */
  action: string;
  provider: ProviderName;
}

const DEFAULT_CAPACITY = 10_000;

/**
 * The latest receipt of each message a consumer has received, for providers that accept the
 * receipt of an earlier delivery without effect (SQS, Pub/Sub pull). It can only refuse a
 * stale receipt when the newer delivery came through the same object; the oldest messages are
 * forgotten past `capacity`, so that a long-lived consumer stays small.
 *
 * @example
 * const receipts = new LatestReceipts();
 * receipts.record(message.messageId, message.receipt); // on each receive
 * receipts.check(message, { queue: 'rows', action: 'complete', provider: 'aws' });
 */
export class LatestReceipts {
  private readonly latest = new Map<string, string>();

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  /** Records a delivery as the message's latest. */
  record(messageId: string, receipt: string): void {
    this.latest.delete(messageId);
    if (this.latest.size >= this.capacity) {
      this.latest.delete(this.latest.keys().next().value as string);
    }
    this.latest.set(messageId, receipt);
  }

  /** Raises `PRECONDITION_FAILED` when a newer delivery of the message has been recorded. */
  check(message: Pick<ReceivedMessage<unknown>, 'messageId' | 'receipt'>, at: StaleReceiptContext) {
    const latest = this.latest.get(message.messageId);
    if (latest === undefined || latest === message.receipt) return;

    throw new CloudportError(
      'PRECONDITION_FAILED',
      `Cannot ${at.action} message ${message.messageId} on queue ${at.queue}: it was delivered ` +
        'again after its visibility timeout, and this receipt is from an earlier delivery. ' +
        'Settle only the latest delivery, and raise the visibility timeout if handlers need ' +
        'more time.',
      { provider: at.provider },
    );
  }
}
