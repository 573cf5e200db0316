import { ProviderError } from '@cloudport/core';

/** An entry of a batch send that SQS took, by its place in the `sendBatch` call. */
export interface SentEntry {
  index: number;
  messageId: string;
}

/** An entry of a batch send that SQS refused, by its place in the `sendBatch` call. */
export interface RefusedEntry {
  index: number;
  /** SQS's error code for the entry, such as `InternalError` or `InvalidParameterValue`. */
  code: string;
  message: string;
  /** True when SQS blames the request (sending it again cannot help), false for its own fault. */
  senderFault: boolean;
}

/**
 * A batch send that SQS carried out in part. It says exactly which entries were sent (with
 * their message ids), which SQS refused and why, and which were never tried, so that a caller
 * can send again what is missing without sending anything twice. Its code is `PROVIDER_ERROR`.
 */
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html
export class SqsBatchSendError extends ProviderError {
  readonly sent: SentEntry[];
  readonly refused: RefusedEntry[];
  /** Entries of later SendMessageBatch calls, not tried once an earlier call failed in part. */
  readonly unsent: number[];

  constructor(queue: string, sent: SentEntry[], refused: RefusedEntry[], unsent: number[]) {
    const first = refused[0];
    const detail = first ? ` (entry ${first.index}: ${first.code}: ${first.message})` : '';
    super(
      `SQS refused ${refused.length} entries of a batch for queue ${queue}${detail}; ` +
        `${sent.length} were sent and ${unsent.length} not tried. Send the refused and untried ` +
        'entries again (their indexes are on this error as refused and unsent), not the batch.',
      { provider: 'aws' },
    );
    this.name = 'SqsBatchSendError';
    this.sent = sent;
    this.refused = refused;
    this.unsent = unsent;
  }
}
