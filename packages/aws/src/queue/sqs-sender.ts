import type { SQSClient } from '@aws-sdk/client-sqs';
import {
  type BodyKind,
  type MessageQueue,
  MessageTooLargeError,
  ProviderError,
  type SendEntry,
  type SendOptions,
  type SendResult,
} from '@cloudport/core';
import { loadSqs, resolveClient, type SqsSdk } from '../sdk.js';
import type { SqsQueueOptions } from './sqs.js';
import { type SentSize, toQueueError } from './sqs-errors.js';
import { type PreparedEntry, prepareEntry, splitBatch } from './sqs-prepare.js';
import {
  type Once,
  once,
  type QueueSettings,
  readQueueSettings,
  type SqsCall,
} from './sqs-settings.js';

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
    for (const chunk of splitBatch(prepared)) {
      results.push(...(await this.sendChunk(settings, chunk, results.length)));
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

  private async sendChunk(settings: QueueSettings, chunk: PreparedEntry[], offset: number) {
    const sizes = chunk.map((entry) => entry.size);
    const batchBytes = sizes.reduce((total, size) => total + size, 0);
    const sent = {
      bytes: Math.max(...sizes),
      batchBytes,
      maxMessageBytes: settings.maxMessageBytes,
    };
    const output = await this.call(
      'send a batch to',
      (sdk, client) =>
        client.send(
          new sdk.SendMessageBatchCommand({
            QueueUrl: settings.url,
            Entries: chunk.map(({ size: _size, ...entry }, index) => ({
              ...entry,
              Id: `${index}`,
            })),
          }),
        ),
      sent,
    );
    const failed = output.Failed ?? [];
    if (failed.length > 0) {
      const first = failed[0];
      throw new ProviderError(
        `SQS refused ${failed.length} of ${chunk.length} batch entries for ${settings.name} ` +
          `(${first?.Code}: ${first?.Message}); ${offset} earlier entries were sent, and the ` +
          'other entries of this call may have been.',
        { provider: 'aws', cause: failed },
      );
    }
    const ids = new Map((output.Successful ?? []).map((item) => [item.Id, item.MessageId]));

    return chunk.map((_, index) => ({ messageId: ids.get(`${index}`) ?? '' }));
  }

  private connect(): Promise<SQSClient> {
    this.client ??= resolveClient(this.options.client, () =>
      loadSqs().then((sdk) => new sdk.SQSClient(this.options.clientConfig ?? {})),
    );

    return this.client;
  }
}
