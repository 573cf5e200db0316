import type {
  Message,
  MessageAttributeValue,
  SQSClient,
  SQSClientConfig,
} from '@aws-sdk/client-sqs';
import {
  type ConsumableQueue,
  createJsonLogger,
  encodeBodyAsText,
  InvalidConfigError,
  InvalidEventError,
  LatestReceipts,
  type Logger,
  type QueueRef,
  type ReceivedMessage,
  type ReceiveOptions,
  resolveLogger,
} from '@cloudport/core';
import { fromNeutralAttributes, prepareForward } from './sqs-dead-letter.js';
import { toReceived } from './sqs-receive.js';
import { SqsSender } from './sqs-sender.js';
import {
  findQueueUrl,
  type Once,
  once,
  type QueueSettings,
  readQueueSettings,
} from './sqs-settings.js';

/** Options of {@link createSqsQueue}. */
export interface SqsQueueOptions<T> {
  /** The logical queue, with its body kind. */
  queue: QueueRef<T>;
  /** The queue's URL; when absent it is looked up by `physicalName`. */
  url?: string;
  /** The SQS queue's name. Defaults to the logical name. */
  physicalName?: string;
  /** An SQS client, or a function giving one; by default one is made from `clientConfig`. */
  client?: SQSClient | (() => Promise<SQSClient>);
  /** Configuration of the client made when none is given (region, endpoint, credentials). */
  clientConfig?: SQSClientConfig;
  /**
   * Where {@link ConsumableQueue.deadLetter} sends messages. Defaults to the dead-letter queue
   * of the queue's redrive policy.
   */
  deadLetterUrl?: string;
  /** Where a received message whose body cannot be decoded is reported; `false` silences it. */
  logger?: Logger | false;
}

// SQS caps one receive at 10 messages and one long poll at 20 seconds.
const MAX_RECEIVE = 10;
const MAX_WAIT_SECONDS = 20;
// Pause between short polls while less than a second of a receive's wait is left.
const SHORT_POLL_PAUSE_MS = 100;
// A dead-letter reason is cut to this many characters so that it fits beside the message.
const MAX_REASON_CHARS = 4096;

/**
 * A queue over SQS, for sending and for consuming. The queue's MaximumMessageSize, type
 * (standard or FIFO) and redrive policy are read once, on first use, and every limit is
 * checked before anything is sent. Batches are split into calls of 10 entries and 1 MiB.
 *
 * On FIFO queues the ordering key is the message group (a send without one is a group of its
 * own, unordered as on a standard queue) and sends without a deduplication id get a fresh one
 * unless the queue deduplicates by content. Standard queues raise `UNSUPPORTED` for ordering keys
 * and deduplication ids, FIFO queues for per-message delays.
 *
 * SQS accepts the receipt handle of an earlier delivery without effect, so settling with one is
 * refused with `PRECONDITION_FAILED` only when this queue object has received a newer delivery
 * of the message since.
 *
 * @example
 * const rows = createSqsQueue({ queue: rowsRef, url: process.env.ROWS_URL });
 * await rows.sendBatch(batches.map((body) => ({ body })));
 */
export function createSqsQueue<T>(options: SqsQueueOptions<T>): ConsumableQueue<T> {
  return new SqsQueue(options);
}

class SqsQueue<T> extends SqsSender<T> implements ConsumableQueue<T> {
  /** The dead-letter queue's URL and attributes, read on the first dead-letter. */
  private readonly deadLetterQueue: Once<QueueSettings>;
  /** What each received message was on the wire, for forwarding it unchanged. */
  private readonly wire = new WeakMap<ReceivedMessage<T>, WireMessage>();
  /**
   * The latest receipt of each message received here: SQS answers success to the handle of an
   * earlier delivery and changes nothing, so settling refuses the stale handles it can tell.
   */
  private readonly receipts = new LatestReceipts();
  private logger: Logger | undefined;

  constructor(options: SqsQueueOptions<T>) {
    super(options);
    const call = this.sqsCall;
    this.deadLetterQueue = once(async () => {
      if (options.deadLetterUrl) return readQueueSettings(call, options.deadLetterUrl, '');
      const { deadLetterArn, name } = await this.load();
      if (deadLetterArn) {
        return readQueueSettings(call, await findQueueUrl(call, deadLetterArn), '');
      }
      throw new InvalidConfigError(
        `Queue ${name} has no dead-letter queue: give a redrive policy to the queue or ` +
          'deadLetterUrl to the cloudport queue.',
        { provider: 'aws' },
      );
    });
  }

  async receive(options: ReceiveOptions = {}): Promise<ReceivedMessage<T>[]> {
    const settings = await this.load();
    const deadline = Date.now() + (options.waitMs ?? 0);
    for (;;) {
      // Long polls wait whole seconds, never past the deadline; a shorter rest is short polls.
      const left = deadline - Date.now();
      const waitSeconds = Math.min(MAX_WAIT_SECONDS, Math.floor(left / 1000));
      const output = await this.call('receive from', (sdk, client) =>
        client.send(
          new sdk.ReceiveMessageCommand({
            QueueUrl: settings.url,
            MaxNumberOfMessages: Math.min(MAX_RECEIVE, Math.max(1, options.maxMessages ?? 1)),
            VisibilityTimeout: options.visibilityTimeoutSeconds,
            WaitTimeSeconds: Math.max(0, waitSeconds),
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: options.signal },
        ),
      );
      const messages = output.Messages ?? [];
      if (messages.length > 0 || Date.now() >= deadline) return this.decode(settings, messages);
      if (waitSeconds < 1) {
        await pause(Math.min(SHORT_POLL_PAUSE_MS, deadline - Date.now()));
      }
    }
  }

  async complete(message: ReceivedMessage<T>): Promise<void> {
    const settings = await this.load();
    this.receipts.check(message, { queue: this.queue, action: 'complete', provider: 'aws' });
    await this.call('delete a message from', (sdk, client) =>
      client.send(
        new sdk.DeleteMessageCommand({ QueueUrl: settings.url, ReceiptHandle: message.receipt }),
      ),
    );
  }

  async retry(message: ReceivedMessage<T>, options: { delaySeconds?: number } = {}) {
    const settings = await this.load();
    this.receipts.check(message, { queue: this.queue, action: 'retry', provider: 'aws' });
    await this.call('change the visibility of a message in', (sdk, client) =>
      client.send(
        new sdk.ChangeMessageVisibilityCommand({
          QueueUrl: settings.url,
          ReceiptHandle: message.receipt,
          VisibilityTimeout: options.delaySeconds ?? 0,
        }),
      ),
    );
  }

  /**
   * Forwards the message unchanged (body, attributes, FIFO group) to the dead-letter queue,
   * with the reason as JSON in the `cloudport.dead-letter` attribute, then deletes it here. A
   * message that already carries all 10 SQS attributes has them folded into that note instead
   * (reads of the dead-letter queue restore them). A message the dead-letter queue cannot take
   * raises `MESSAGE_TOO_LARGE` and stays here, for the redrive policy.
   */
  async deadLetter(message: ReceivedMessage<T>, reason: string): Promise<void> {
    const settings = await this.load();
    this.receipts.check(message, { queue: this.queue, action: 'dead-letter', provider: 'aws' });
    const target = await this.deadLetterQueue();
    const wire = this.wire.get(message);
    const { body, attributes, bytes } = prepareForward(target, {
      body: wire?.body ?? encodeBodyAsText(this.body, message.body),
      attributes: wire ? wire.attributes : fromNeutralAttributes(message.attributes),
      note: {
        reason: reason.slice(0, MAX_REASON_CHARS),
        queue: settings.name,
        messageId: message.messageId,
        deadLetteredAt: new Date().toISOString(),
      },
    });
    await this.call(
      'forward a dead letter from',
      (sdk, client) =>
        client.send(
          new sdk.SendMessageCommand({
            QueueUrl: target.url,
            MessageBody: body,
            MessageAttributes: attributes,
            // The target's type decides: a deadLetterUrl need not be of the source's type.
            ...(target.fifo
              ? {
                  MessageGroupId: message.orderingKey ?? message.messageId,
                  MessageDeduplicationId: message.messageId,
                }
              : {}),
          }),
        ),
      { bytes, maxMessageBytes: target.maxMessageBytes },
      this.deadLetterQueue,
    );
    await this.complete(message);
  }

  /**
   * Decodes received messages by the queue's body kind. A message whose body does not decode
   * is reported and left in flight, so that the redrive policy sets it aside after its last
   * receive; the other messages are returned.
   */
  private decode(settings: QueueSettings, messages: Message[]): ReceivedMessage<T>[] {
    const received: ReceivedMessage<T>[] = [];
    for (const message of messages) {
      try {
        const decoded = toReceived<T>(message, this.body, settings.fifo);
        this.receipts.record(decoded.messageId, decoded.receipt);
        this.wire.set(decoded, { body: message.Body ?? '', attributes: message.MessageAttributes });
        received.push(decoded);
      } catch (error) {
        if (!(error instanceof InvalidEventError)) throw error;
        this.logger ??= resolveLogger(this.options.logger, () =>
          createJsonLogger({ fields: { queue: settings.name } }),
        );
        this.logger.warn('received message left for the redrive policy', {
          messageId: message.MessageId,
          error,
        });
      }
    }

    return received;
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface WireMessage {
  body: string;
  attributes: Record<string, MessageAttributeValue> | undefined;
}
