import type {
  ServiceBusClient,
  ServiceBusClientOptions,
  ServiceBusMessageBatch,
  ServiceBusSender,
} from '@azure/service-bus';
import {
  AZURE_LIMITS,
  type BodyKind,
  type ConsumableQueue,
  type DeadLetter,
  InvalidConfigError,
  type QueueRef,
  type ReceivedMessage,
  type ReceiveOptions,
  type SendEntry,
  type SendOptions,
  type SendResult,
} from '@cloudport/core';
import { createServiceBusClient, type TokenCredential } from '../sdk.js';
import { type QueueCall, toQueueError } from './service-bus-errors.js';
import {
  type MessageSettings,
  type OutgoingMessage,
  toOutgoing,
  tooLarge,
} from './service-bus-messages.js';
import { ServiceBusConsumer } from './service-bus-receive.js';

/** Options of {@link createServiceBusQueue}. */
export interface ServiceBusQueueOptions<T> {
  /** The logical queue: its name and the kind its bodies are encoded as. */
  queue: QueueRef<T>;
  /** The Service Bus queue's name. Defaults to the logical name. */
  entity?: string;
  /** A client to use instead of creating one; the queue never closes an injected client. */
  client?: ServiceBusClient;
  /**
   * Returns the client to use, called on first use; for sharing one connection between
   * queues without creating it up front. The queue does not close it.
   */
  connect?: () => Promise<ServiceBusClient>;
  /** A Service Bus connection string, read when no client is given. */
  connectionString?: string;
  /** Fully qualified namespace for token sign-in, such as `my-ns.servicebus.windows.net`. */
  namespace?: string;
  /** Token credential for `namespace`, such as `DefaultAzureCredential`. */
  credential?: TokenCredential;
  /** Options of a client the queue creates. */
  clientOptions?: ServiceBusClientOptions;
  /**
   * The entity's largest message, in bytes: 256 KiB on the Standard tier (the default); on
   * Premium, the entity's `maxMessageSizeInKilobytes` × 1024. Checked before anything is sent.
   */
  maxMessageBytes?: number;
}

/** A Service Bus queue: send, batch send, and peek-lock receive with settlement. */
export interface ServiceBusQueue<T = unknown> extends ConsumableQueue<T> {
  /** The Service Bus queue's name. */
  readonly entity: string;
  /** Receives from the entity's dead-letter subqueue and removes what it returns. */
  receiveDeadLetters(options?: ReceiveOptions): Promise<DeadLetter<T>[]>;
  /** Waits for delayed retries, closes the links, and the client if the queue created it. */
  close(): Promise<void>;
}

// Service Bus sends at most one megabyte in one batch, whatever the message limit.
const MAX_BATCH_BYTES = 1024 * 1024;

/**
 * A queue over one Service Bus queue. Bodies travel as bytes encoded by the queue's kind;
 * attributes as application properties; `delaySeconds` as the scheduled enqueue time;
 * `orderingKey` as the session id; `deduplicationId` as the message id (effective on entities
 * created with duplicate detection). Batches go through the SDK's message batches and are split
 * when full; every entry is checked against the entity's size limit before any is sent.
 *
 * Receiving uses peek-lock on the entity's own lock duration (`visibilityTimeoutSeconds` of
 * a receive is ignored); `retry` abandons, or holds the lock for the delay and then abandons;
 * `deadLetter` moves the message to the dead-letter subqueue with its reason.
 *
 * @example
 * const rows = createServiceBusQueue({ queue: queue('rows'), entity: 'prod-rows',
 *   connectionString: process.env.CLOUDPORT_SERVICEBUS });
 * await rows.sendBatch(batches.map((body) => ({ body })));
 */
export function createServiceBusQueue<T>(options: ServiceBusQueueOptions<T>): ServiceBusQueue<T> {
  return new ServiceBusQueueClient<T>(options);
}

class ServiceBusQueueClient<T> implements ServiceBusQueue<T> {
  readonly queue: string;
  readonly body: BodyKind;
  readonly entity: string;
  private readonly options: ServiceBusQueueOptions<T>;
  private readonly settings: MessageSettings;
  private client: Promise<ServiceBusClient> | undefined;
  private senderLink: Promise<ServiceBusSender> | undefined;
  private readonly consumer: ServiceBusConsumer<T>;

  constructor(options: ServiceBusQueueOptions<T>) {
    if (!options?.queue || typeof options.queue.name !== 'string') {
      throw new InvalidConfigError('createServiceBusQueue needs the logical queue as "queue".', {
        provider: 'azure',
      });
    }
    this.options = options;
    this.queue = options.queue.name;
    this.body = options.queue.body;
    this.entity = options.entity ?? options.queue.name;
    const maxMessageBytes = options.maxMessageBytes ?? AZURE_LIMITS.queue.maxMessageBytes;
    if (!Number.isSafeInteger(maxMessageBytes) || maxMessageBytes < 1) {
      throw new InvalidConfigError(
        `maxMessageBytes ${maxMessageBytes} of queue ${this.queue} must be a whole number ` +
          'of bytes.',
        { provider: 'azure' },
      );
    }
    this.settings = { queue: this.queue, body: this.body, maxMessageBytes };
    this.consumer = new ServiceBusConsumer<T>(
      this.body,
      () => this.connect(),
      (action) => this.call(action),
    );
  }

  async send(body: T, options: SendOptions = {}): Promise<SendResult> {
    const [result] = await this.sendBatch([{ ...options, body }]);

    return result as SendResult;
  }

  async sendBatch(entries: ReadonlyArray<SendEntry<T>>): Promise<SendResult[]> {
    const messages = entries.map((entry, index) =>
      toOutgoing(this.settings, entry, labelOf(entries, index)),
    );
    if (messages.length === 0) return [];
    const sender = await this.sender();
    const batches = await this.pack(sender, messages);
    for (const batch of batches) {
      await sender.sendMessages(batch).catch((error) => {
        throw toQueueError(error, this.call('send to'));
      });
    }

    return messages.map(({ messageId }) => ({ messageId }));
  }

  receive(options?: ReceiveOptions): Promise<ReceivedMessage<T>[]> {
    return this.consumer.receive(options);
  }

  complete(message: ReceivedMessage<T>): Promise<void> {
    return this.consumer.complete(message);
  }

  retry(message: ReceivedMessage<T>, options?: { delaySeconds?: number }): Promise<void> {
    return this.consumer.retry(message, options?.delaySeconds ?? 0);
  }

  deadLetter(message: ReceivedMessage<T>, reason: string): Promise<void> {
    return this.consumer.deadLetter(message, reason);
  }

  receiveDeadLetters(options?: ReceiveOptions): Promise<DeadLetter<T>[]> {
    return this.consumer.receiveDeadLetters(options);
  }

  async close(): Promise<void> {
    await this.consumer.close();
    const sender = this.senderLink;
    this.senderLink = undefined;
    await sender?.then((link) => link.close()).catch(() => undefined);
    const owned = !this.options.client && !this.options.connect;
    if (this.client && owned) await (await this.client).close();
    this.client = undefined;
  }

  /**
   * Packs messages into SDK batches in order, starting a new batch when one is full or the
   * session changes. Packing measures each message exactly, so a message too large for an
   * empty batch stops the send before any batch goes out.
   */
  private async pack(
    sender: ServiceBusSender,
    messages: OutgoingMessage[],
  ): Promise<ServiceBusMessageBatch[]> {
    const batches: ServiceBusMessageBatch[] = [];
    const maxEntries = AZURE_LIMITS.queue.maxBatchEntries;
    let batch = await this.createBatch(sender);
    let session: string | undefined;
    for (const [index, outgoing] of messages.entries()) {
      const sameSession = batch.count === 0 || outgoing.sessionId === session;
      if (sameSession && batch.count < maxEntries && batch.tryAddMessage(outgoing.message)) {
        session = outgoing.sessionId;
        continue;
      }
      if (batch.count === 0) throw tooLarge(this.settings, labelOf(messages, index));
      batches.push(batch);
      batch = await this.createBatch(sender);
      session = outgoing.sessionId;
      if (!batch.tryAddMessage(outgoing.message)) {
        throw tooLarge(this.settings, labelOf(messages, index));
      }
    }
    batches.push(batch);

    return batches;
  }

  private async createBatch(sender: ServiceBusSender): Promise<ServiceBusMessageBatch> {
    const maxSizeInBytes = Math.min(this.settings.maxMessageBytes, MAX_BATCH_BYTES);
    try {
      return await sender.createMessageBatch({ maxSizeInBytes });
    } catch (error) {
      // The link allows less than the entity setting claims: use the link's own limit.
      if (!(error instanceof Error) || !/maximum message size/i.test(error.message)) {
        throw toQueueError(error, this.call('send to'));
      }
      return sender.createMessageBatch();
    }
  }

  private sender(): Promise<ServiceBusSender> {
    this.senderLink ??= this.connect().then((client) => client.createSender(this.entity));

    return this.senderLink;
  }

  private connect(): Promise<ServiceBusClient> {
    this.client ??= (async () => {
      if (this.options.client) return this.options.client;
      if (this.options.connect) return this.options.connect();
      return createServiceBusClient(
        {
          connectionString: this.options.connectionString,
          namespace: this.options.namespace,
          credential: this.options.credential,
          options: this.options.clientOptions,
        },
        `Queue ${this.queue}`,
      );
    })().catch((error) => {
      this.client = undefined;
      throw error;
    });

    return this.client;
  }

  private call(action: string): QueueCall {
    return { queue: this.queue, entity: this.entity, action, limit: this.settings.maxMessageBytes };
  }
}

function labelOf(entries: ArrayLike<unknown>, index: number): string {
  return entries.length === 1 ? 'message' : `entry ${index}`;
}
