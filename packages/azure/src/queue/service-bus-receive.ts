import { setTimeout as sleep } from 'node:timers/promises';
import type {
  ServiceBusClient,
  ServiceBusReceivedMessage,
  ServiceBusReceiver,
} from '@azure/service-bus';
import {
  type BodyKind,
  CloudportError,
  type DeadLetter,
  isCloudportError,
  type ReceivedMessage,
  type ReceiveOptions,
} from '@cloudport/core';
import { type QueueCall, toQueueError } from './service-bus-errors.js';
import { toReceived } from './service-bus-messages.js';

// A receive that may not wait still gives the broker one round trip to deliver what is ready.
const MIN_WAIT_MS = 100;
// Renew a held lock this long before it lapses.
const RENEW_MARGIN_MS = 300;
// Service Bus truncates nothing for us: keep dead-letter reasons to a readable size.
const MAX_REASON_LENGTH = 4096;

/**
 * The receiving half of a Service Bus queue: peek-lock receives, and settlement of each
 * delivery by its receipt (the lock token). Lock renewal is off, so a delivery that is not
 * settled within the entity's lock duration comes back with its delivery count raised.
 */
export class ServiceBusConsumer<T> {
  private readonly kind: BodyKind;
  private readonly connect: () => Promise<ServiceBusClient>;
  private readonly call: (action: string) => QueueCall;
  private readonly held = new Map<string, ServiceBusReceivedMessage>();
  private readonly delayed = new Set<Promise<void>>();
  private receiverLink: Promise<ServiceBusReceiver> | undefined;
  private deadLetterLink: Promise<ServiceBusReceiver> | undefined;

  constructor(
    kind: BodyKind,
    connect: () => Promise<ServiceBusClient>,
    call: (action: string) => QueueCall,
  ) {
    this.kind = kind;
    this.connect = connect;
    this.call = call;
  }

  /** Receives up to `maxMessages` messages in peek-lock mode. */
  async receive(options: ReceiveOptions = {}): Promise<ReceivedMessage<T>[]> {
    const receiver = await this.receiver();
    const received = await this.fetch(receiver, options, 'receive from');
    const messages: ReceivedMessage<T>[] = [];
    for (const message of received) {
      try {
        const mapped = toReceived<T>(this.kind, message);
        this.held.set(mapped.receipt, message);
        messages.push(mapped);
      } catch (error) {
        if (!isCloudportError(error, 'INVALID_EVENT')) throw error;
        // A body that does not decode can never be handled: set it aside with the reason.
        await receiver.deadLetterMessage(message, reasonOf(error.message)).catch(() => undefined);
      }
    }

    return messages;
  }

  /** Completes a delivery: the message is removed. */
  async complete(message: ReceivedMessage<T>): Promise<void> {
    const held = this.take(message, 'complete a message of');
    const receiver = await this.receiver();
    await receiver.completeMessage(held).catch((error) => {
      throw toQueueError(error, this.call('complete a message of'));
    });
  }

  /**
   * Abandons a delivery so that it comes back with its count raised. With a delay, the lock is
   * held (and renewed) until the delay ends, then abandoned; the call returns at once.
   */
  async retry(message: ReceivedMessage<T>, delaySeconds: number): Promise<void> {
    const held = this.take(message, 'retry a message of');
    const receiver = await this.receiver();
    if (!(delaySeconds > 0)) {
      await receiver.abandonMessage(held).catch((error) => {
        throw toQueueError(error, this.call('retry a message of'));
      });
      return;
    }
    // If holding fails, the lock lapses and the message comes back anyway: still a retry.
    const holding = this.abandonLater(receiver, held, delaySeconds * 1000).catch(() => undefined);
    this.delayed.add(holding);
    void holding.finally(() => this.delayed.delete(holding));
  }

  /** Moves a delivery to the dead-letter subqueue with its reason. */
  async deadLetter(message: ReceivedMessage<T>, reason: string): Promise<void> {
    const held = this.take(message, 'dead-letter a message of');
    const receiver = await this.receiver();
    await receiver.deadLetterMessage(held, reasonOf(reason)).catch((error) => {
      throw toQueueError(error, this.call('dead-letter a message of'));
    });
  }

  /** Receives dead letters with their reasons and removes them from the subqueue. */
  async receiveDeadLetters(options: ReceiveOptions = {}): Promise<DeadLetter<T>[]> {
    this.deadLetterLink ??= this.connect().then((client) =>
      client.createReceiver(this.call('').entity, {
        subQueueType: 'deadLetter',
        receiveMode: 'peekLock',
        skipParsingBodyAsJson: true,
        maxAutoLockRenewalDurationInMs: 0,
      }),
    );
    const receiver = await this.deadLetterLink;
    const received = await this.fetch(
      receiver,
      { maxMessages: 100, ...options },
      'read dead letters of',
    );
    const letters: DeadLetter<T>[] = [];
    for (const message of received) {
      letters.push(toDeadLetter<T>(this.kind, message));
      await receiver.completeMessage(message).catch((error) => {
        throw toQueueError(error, this.call('remove a dead letter of'));
      });
    }

    return letters;
  }

  /** Waits for delayed retries and closes the receiving links. */
  async close(): Promise<void> {
    await Promise.all([...this.delayed]);
    for (const link of [this.receiverLink, this.deadLetterLink]) {
      await link?.then((receiver) => receiver.close()).catch(() => undefined);
    }
    this.receiverLink = undefined;
    this.deadLetterLink = undefined;
    this.held.clear();
  }

  private async fetch(
    receiver: ServiceBusReceiver,
    options: ReceiveOptions,
    action: string,
  ): Promise<ServiceBusReceivedMessage[]> {
    const maxMessages = options.maxMessages ?? 1;
    const maxWaitTimeInMs = Math.max(options.waitMs ?? 0, MIN_WAIT_MS);

    return receiver
      .receiveMessages(maxMessages, { maxWaitTimeInMs, abortSignal: options.signal })
      .catch((error) => {
        throw toQueueError(error, this.call(action));
      });
  }

  private async abandonLater(
    receiver: ServiceBusReceiver,
    message: ServiceBusReceivedMessage,
    delayMs: number,
  ): Promise<void> {
    const until = Date.now() + delayMs;
    for (;;) {
      const lockedUntil = message.lockedUntilUtc?.getTime() ?? until;
      const wake = Math.min(until, lockedUntil - RENEW_MARGIN_MS);
      await sleep(Math.max(0, wake - Date.now()));
      if (Date.now() >= until) break;
      await receiver.renewMessageLock(message);
    }
    await receiver.abandonMessage(message);
  }

  private take(message: ReceivedMessage<T>, action: string): ServiceBusReceivedMessage {
    const held = this.held.get(message?.receipt);
    if (!held) {
      throw new CloudportError(
        'PRECONDITION_FAILED',
        `Cannot ${action} queue ${this.call(action).queue}: receipt ` +
          `${JSON.stringify(message?.receipt)} is not a delivery this queue holds (it was ` +
          'settled already, or received elsewhere).',
        { provider: 'azure' },
      );
    }
    this.held.delete(message.receipt);

    return held;
  }

  private receiver(): Promise<ServiceBusReceiver> {
    this.receiverLink ??= this.connect().then((client) =>
      client.createReceiver(this.call('').entity, {
        receiveMode: 'peekLock',
        skipParsingBodyAsJson: true,
        maxAutoLockRenewalDurationInMs: 0,
      }),
    );

    return this.receiverLink;
  }
}

function reasonOf(reason: string): {
  deadLetterReason: string;
  deadLetterErrorDescription: string;
} {
  const text = String(reason).slice(0, MAX_REASON_LENGTH);

  return { deadLetterReason: text, deadLetterErrorDescription: text };
}

function toDeadLetter<T>(kind: BodyKind, message: ServiceBusReceivedMessage): DeadLetter<T> {
  let received: ReceivedMessage<T>;
  try {
    received = toReceived<T>(kind, message);
  } catch {
    // A letter set aside because its body did not decode keeps its raw bytes.
    received = toReceived<T>('bytes', message);
  }

  return {
    ...received,
    reason: message.deadLetterReason ?? message.deadLetterErrorDescription ?? 'dead-lettered',
    deadLetteredAt: message.enqueuedTimeUtc ?? new Date(),
  };
}
