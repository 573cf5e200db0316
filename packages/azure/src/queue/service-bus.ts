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
  UnsupportedError,
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
   * The entity's largest message, in bytes: 256 KiB on the Standard tier; on Premium, the
   * entity's `maxMessageSizeInKilobytes` × 1024. Defaults to the largest message the sender
   * link advertises, which is the entity's limit on Service Bus. Checked before anything is
   * sent; a value above the link's gives way to the link's.
   */
  maxMessageBytes?: number;
  /**
   * True when the entity requires sessions: every send then needs an `orderingKey` (the
   * session id), checked before sending, and this queue's own `receive` is `UNSUPPORTED`.
   */
  sessions?: boolean;
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

/** An open sender link and the largest message it takes, as this queue enforces it. */
interface SendLink {
  sender: ServiceBusSender;
  limit: number;
}

/**
 * A queue over one Service Bus queue. Bodies travel as bytes encoded by the queue's kind;
 * attributes as application properties (with the original names of those whose first letter
 * Azure Functions lower-cases, so its trigger can restore them); `delaySeconds` as the
 * scheduled enqueue time; `orderingKey` as the session id, which orders delivery only on a
 * session-enabled entity and is carried unchanged on others; `deduplicationId` as the message
 * id (effective on entities created with duplicate detection). Batches go through the SDK's
 * message batches, as large as the link allows, and are split when full. Every message travels
 * in such a batch, so the size Service Bus holds to the entity's limit is the one the SDK
 * measures when the message joins a batch: its encoded headers, properties and body, plus the
 * batch's envelope. A message that does not fit an empty batch on its own is refused with
 * `MESSAGE_TOO_LARGE`, and every entry is measured before any is sent.
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
  private senderLink: Promise<SendLink> | undefined;
  private limit: number | undefined;
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
    const { maxMessageBytes } = options;
    if (
      maxMessageBytes !== undefined &&
      (!Number.isSafeInteger(maxMessageBytes) || maxMessageBytes < 1)
    ) {
      throw new InvalidConfigError(
        `maxMessageBytes ${maxMessageBytes} of queue ${this.queue} must be a whole number ` +
          'of bytes; leave it out to use the limit the Service Bus link advertises.',
        { provider: 'azure' },
      );
    }
    const sessions = options.sessions === true;
    this.settings = { queue: this.queue, body: this.body, maxMessageBytes, sessions };
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
    const { sender, limit } = await this.sender();
    for (const [index, outgoing] of messages.entries()) {
      if (outgoing.size > limit) {
        throw tooLarge(this.settings, labelOf(messages, index), outgoing.size, limit);
      }
    }
    const batches = await this.pack(sender, messages, limit);
    for (const batch of batches) {
      await sender.sendMessages(batch).catch((error) => {
        throw toQueueError(error, this.call('send to'));
      });
    }

    return messages.map(({ messageId }) => ({ messageId }));
  }

  receive(options?: ReceiveOptions): Promise<ReceivedMessage<T>[]> {
    if (this.settings.sessions) {
      return Promise.reject(
        new UnsupportedError(
          'Receiving from a session-enabled queue',
          `queue ${this.queue} (Service Bus entity ${this.entity}) needs a session ` +
            'receiver; consume it with the Functions trigger, which reads by session, or ' +
            'with acceptNextSession of @azure/service-bus.',
          { provider: 'azure' },
        ),
      );
    }

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
    await sender?.then((link) => link.sender.close()).catch(() => undefined);
    const owned = !this.options.client && !this.options.connect;
    if (this.client && owned) await (await this.client).close();
    this.client = undefined;
  }

  /**
   * Packs messages in order into SDK batches of up to `limit` bytes, starting a new batch when
   * one is full or the session changes. A message that an empty batch cannot take is over the
   * limit once encoded: the whole send is refused before anything goes out.
   */
  private async pack(
    sender: ServiceBusSender,
    messages: OutgoingMessage[],
    limit: number,
  ): Promise<ServiceBusMessageBatch[]> {
    const batches: ServiceBusMessageBatch[] = [];
    const maxEntries = AZURE_LIMITS.queue.maxBatchEntries;
    let batch: ServiceBusMessageBatch | undefined;
    let session: string | undefined;
    for (const [index, outgoing] of messages.entries()) {
      if (batch && (batch.count >= maxEntries || outgoing.sessionId !== session)) {
        batches.push(batch);
        batch = undefined;
      }
      if (batch?.tryAddMessage(outgoing.message)) continue;
      if (batch) batches.push(batch);
      // A fresh batch for every message an open one refused: a batch that refused a message
      // while empty keeps that message's headers for its envelope.
      batch = await this.createBatch(sender, limit);
      session = outgoing.sessionId;
      if (!batch.tryAddMessage(outgoing.message)) {
        throw tooLarge(this.settings, labelOf(messages, index), outgoing.size, limit, true);
      }
    }
    if (batch) batches.push(batch);

    return batches;
  }

  private createBatch(sender: ServiceBusSender, limit: number): Promise<ServiceBusMessageBatch> {
    return sender.createMessageBatch({ maxSizeInBytes: limit }).catch((error) => {
      throw toQueueError(error, this.call('send to'));
    });
  }

  /**
   * Opens the sender link and settles the size limit: the user's, or the largest message the
   * link advertises (`max-message-size` on attach, which the SDK gives as the size of a batch
   * made without options), whichever is smaller.
   */
  private sender(): Promise<SendLink> {
    this.senderLink ??= (async () => {
      const client = await this.connect();
      const sender = client.createSender(this.entity);
      const probe = await sender.createMessageBatch().catch(async (error) => {
        await sender.close().catch(() => undefined);
        throw toQueueError(error, this.call('send to'));
      });
      const advertised = probe.maxSizeInBytes;
      // Service Bus always advertises one; a peer that does not gets Standard's.
      const linkLimit =
        Number.isSafeInteger(advertised) && advertised > 0
          ? advertised
          : AZURE_LIMITS.queue.maxMessageBytes;
      const limit = Math.min(this.settings.maxMessageBytes ?? linkLimit, linkLimit);
      this.limit = limit;

      return { sender, limit };
    })().catch((error) => {
      this.senderLink = undefined;
      throw error;
    });

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
    const limit = this.limit ?? this.settings.maxMessageBytes ?? AZURE_LIMITS.queue.maxMessageBytes;

    return { queue: this.queue, entity: this.entity, action, limit };
  }
}

function labelOf(entries: ArrayLike<unknown>, index: number): string {
  return entries.length === 1 ? 'message' : `entry ${index}`;
}
