import type { BatchResultErrorEntry, SQSClient } from '@aws-sdk/client-sqs';
import {
  type BodyKind,
  type MessageQueue,
  MessageTooLargeError,
  type SendEntry,
  type SendOptions,
  type SendResult,
} from '@cloudport/core';
import { loadSqs, resolveClient, type SqsSdk } from '../sdk.js';
import type { SqsQueueOptions } from './sqs.js';
import { type RefusedEntry, SqsBatchSendError } from './sqs-batch-error.js';
import { type SentSize, toQueueError } from './sqs-errors.js';
import { type PreparedEntry, prepareEntry, splitBatch } from './sqs-prepare.js';
import {
  type Once,
  once,
  type QueueSettings,
  readQueueSettings,
  type SqsCall,
} from './sqs-settings.js';

/** SendMessageBatch calls for one chunk, when SQS refuses entries through its own fault. */
const BATCH_ATTEMPTS = 3;
/** The pause before the second call for refused entries; the third waits twice as long. */
const BATCH_RETRY_MS = 100;

/** What one chunk's calls did: a result for each sent entry, and SQS's refusals. */
interface ChunkOutcome {
  sent: Array<SendResult | undefined>;
  refused: BatchResultErrorEntry[];
}

/**
 * Makes the sending half of an SQS queue: what a handler's resolver binds, since handlers and
 * dead-letter forwards only send. A bundled handler then carries none of the receiving code.
 */
export function createSqsSender<T>(options: SqsQueueOptions<T>): MessageQueue<T> {
  return new SqsSender(options);
}

/**
 * Sends to an SQS queue. The queue's MaximumMessageSize and type are read once, on first use,
 * and every limit is checked before anything is sent; batches are split into calls of 10
 * entries and 1 MiB. The consuming queue of `createSqsQueue` extends it.
 */
export class SqsSender<T> implements MessageQueue<T> {
  readonly queue: string;
  readonly body: BodyKind;
  protected readonly options: SqsQueueOptions<T>;
  /** The queue's URL and attributes, read once; a failed read is tried again next time. */
  protected readonly load: Once<QueueSettings>;
  /** {@link SqsSender.call} for the settings readers. */
  protected readonly sqsCall: SqsCall;
  private client: Promise<SQSClient> | undefined;

  constructor(options: SqsQueueOptions<T>) {
    this.options = options;
    this.queue = options.queue.name;
    this.body = options.queue.body;
    this.sqsCall = (action, send) => this.call(action, send);
    this.load = once(() =>
      readQueueSettings(this.sqsCall, options.url, options.physicalName ?? this.queue),
    );
  }

  async send(body: T, options: SendOptions = {}): Promise<SendResult> {
    const settings = await this.load();
    const { size, ...entry } = prepareEntry(settings, this.body, { ...options, body }, 'message');
    const sent = { bytes: size, maxMessageBytes: settings.maxMessageBytes };
    const output = await this.call(
      'send a message to',
      (sdk, client) =>
        client.send(new sdk.SendMessageCommand({ QueueUrl: settings.url, ...entry })),
      sent,
    );

    return { messageId: output.MessageId ?? '' };
  }

  async sendBatch(entries: ReadonlyArray<SendEntry<T>>): Promise<SendResult[]> {
    const settings = await this.load();
    const prepared = entries.map((entry, index) =>
      prepareEntry(settings, this.body, entry, `batch entry ${index}`),
    );
    const results: SendResult[] = [];
    const chunks = splitBatch(prepared);
    for (const chunk of chunks) {
      const offset = results.length;
      const outcome = await this.sendChunk(settings, chunk);
      if (outcome.refused.length > 0) {
        throw partlySent(
          settings,
          results,
          outcome,
          offset,
          prepared.length - offset - chunk.length,
        );
      }
      for (const result of outcome.sent) results.push(result ?? { messageId: '' });
    }

    return results;
  }

  /**
   * Makes one SQS call. A send passes its size, so that a size refusal reports the queue's own
   * limit; the refused queue's settings (`settings`, this queue's by default) are then read
   * again on the next call, in case its MaximumMessageSize changed.
   */
  protected async call<R>(
    action: string,
    send: (sdk: SqsSdk, client: SQSClient) => Promise<R>,
    sent?: SentSize,
    settings: Once<QueueSettings> = this.load,
  ): Promise<R> {
    try {
      const [sdk, client] = await Promise.all([loadSqs(), this.connect()]);
      return await send(sdk, client);
    } catch (error) {
      const failure = toQueueError(
        error,
        `${action} queue ${this.options.physicalName ?? this.queue}`,
        sent,
      );
      if (failure instanceof MessageTooLargeError) settings.forget();
      throw failure;
    }
  }

  /**
   * Sends one SendMessageBatch call. Entries that SQS refuses through its own fault (not the
   * sender's) are sent again, up to {@link BATCH_ATTEMPTS} calls in all, on standard queues
   * only: sending an entry of a FIFO group again after later entries of the group went through
   * would break the group's order.
   */
  private async sendChunk(settings: QueueSettings, chunk: PreparedEntry[]): Promise<ChunkOutcome> {
    const sent: Array<SendResult | undefined> = new Array(chunk.length);
    let pending = chunk.map((_, index) => index);
    let refused: BatchResultErrorEntry[] = [];
    for (let attempt = 1; pending.length > 0; attempt++) {
      const entries = pending.map((index) => chunk[index] as PreparedEntry);
      const sizes = entries.map((entry) => entry.size);
      const size = {
        bytes: Math.max(...sizes),
        batchBytes: sizes.reduce((total, bytes) => total + bytes, 0),
        maxMessageBytes: settings.maxMessageBytes,
      };
      const ids = pending;
      const output = await this.call(
        'send a batch to',
        (sdk, client) =>
          client.send(
            new sdk.SendMessageBatchCommand({
              QueueUrl: settings.url,
              Entries: entries.map(({ size: _size, ...entry }, at) => ({
                ...entry,
                Id: `${ids[at]}`,
              })),
            }),
          ),
        size,
      );
      for (const item of output.Successful ?? []) {
        sent[Number(item.Id)] = { messageId: item.MessageId ?? '' };
      }
      const failed = output.Failed ?? [];
      const again = failed.filter((entry) => entry.SenderFault === false);
      const retry = !settings.fifo && attempt < BATCH_ATTEMPTS && again.length > 0;
      refused = refused.concat(
        retry ? failed.filter((entry) => entry.SenderFault !== false) : failed,
      );
      pending = retry ? again.map((entry) => Number(entry.Id)) : [];
      if (retry) await pause(BATCH_RETRY_MS * attempt);
    }

    return { sent, refused };
  }

  private connect(): Promise<SQSClient> {
    this.client ??= resolveClient(this.options.client, () =>
      loadSqs().then((sdk) => new sdk.SQSClient(this.options.clientConfig ?? {})),
    );

    return this.client;
  }
}

/** The error of a batch that was sent in part, every index counted from the batch's start. */
function partlySent(
  settings: QueueSettings,
  earlier: SendResult[],
  outcome: ChunkOutcome,
  offset: number,
  untried: number,
): SqsBatchSendError {
  const sent = earlier.map((result, index) => ({ index, messageId: result.messageId }));
  outcome.sent.forEach((result, at) => {
    if (result) sent.push({ index: offset + at, messageId: result.messageId });
  });
  const refused: RefusedEntry[] = outcome.refused
    .map((entry) => ({
      index: offset + Number(entry.Id),
      code: entry.Code ?? 'Unknown',
      message: entry.Message ?? '',
      senderFault: entry.SenderFault !== false,
    }))
    .sort((a, b) => a.index - b.index);
  const first = offset + outcome.sent.length;
  const unsent = Array.from({ length: untried }, (_, at) => first + at);

  return new SqsBatchSendError(settings.name, sent, refused, unsent);
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
