// One Service Bus queue inside the test broker: messages in sequence order, peek-lock
// deliveries with lock expiry, abandon with the delivery count raised, dead-lettering into the
// queue's dead-letter subqueue, scheduled messages and duplicate detection.
import { type AmqpMessage, ANNOTATIONS, CONDITIONS, messageIdOf, scheduledTime } from './codec.js';

/** The settings of a queue; Service Bus's defaults where not given. */
export interface QueueSettings {
  /** How long a peek-lock delivery stays locked. Defaults to 60 s. */
  lockDurationMs: number;
  /** Deliveries after which a message is dead-lettered. Defaults to 10. */
  maxDeliveryCount: number;
  /** Largest message accepted, in bytes. Defaults to 256 KiB (Standard tier). */
  maxMessageBytes: number;
  /** Window of duplicate detection by message id; 0 turns it off. Defaults to 10 minutes. */
  duplicateDetectionMs: number;
}

/** The defaults a queue gets when a client names one that was never created. */
export const DEFAULT_SETTINGS: QueueSettings = {
  lockDurationMs: 60_000,
  maxDeliveryCount: 10,
  maxMessageBytes: 256 * 1024,
  duplicateDetectionMs: 10 * 60_000,
};

/** A message held by a queue. */
export interface StoredMessage {
  sequence: number;
  messageId: string;
  message: AmqpMessage;
  enqueuedAt: number;
  visibleAt: number;
  /** Deliveries before the current one: AMQP's delivery-count, 0 on the first delivery. */
  deliveryCount: number;
  lock: Lock | undefined;
  /** Set aside by a deferral: kept, but never delivered by an ordinary receive again. */
  deferred: boolean;
}

/** A peek-lock held on a message by one delivery. */
export interface Lock {
  token: string;
  until: number;
  timer: NodeJS.Timeout;
}

/** The state of a disposition, as rhea unwraps it. */
export interface SettlementState {
  error?: { condition?: string; info?: Record<string, unknown> };
  message_annotations?: Record<string, unknown>;
}

const DEAD_LETTER_CONDITION = CONDITIONS.deadLetter;

/** A summary of a message, for tests that look inside the broker. */
export interface MessageView {
  messageId: string;
  sequence: number;
  deliveryCount: number;
  locked: boolean;
  deferred: boolean;
  body: unknown;
  applicationProperties: Record<string, unknown>;
}

/** A queue, or the dead-letter subqueue of one. */
export class QueueEntity {
  readonly name: string;
  readonly settings: QueueSettings;
  /** The dead-letter subqueue; undefined on a dead-letter subqueue itself. */
  readonly deadLetters: QueueEntity | undefined;
  private messages: StoredMessage[] = [];
  private readonly locks = new Map<string, StoredMessage>();
  private readonly seen = new Map<string, number>();
  private readonly wakeups = new Set<NodeJS.Timeout>();
  private readonly changed: () => void;
  private readonly nextSequence: () => number;

  constructor(
    name: string,
    settings: QueueSettings,
    nextSequence: () => number,
    changed: () => void,
    isDeadLetterQueue = false,
  ) {
    this.name = name;
    this.settings = settings;
    this.nextSequence = nextSequence;
    this.changed = changed;
    this.deadLetters = isDeadLetterQueue
      ? undefined
      : new QueueEntity(`${name}/$deadletterqueue`, settings, nextSequence, changed, true);
  }

  /** Enqueues a message sent by a client; a duplicate id within the window is dropped. */
  enqueue(message: AmqpMessage, now = Date.now()): void {
    const messageId = messageIdOf(message);
    if (this.settings.duplicateDetectionMs > 0) {
      const firstSeen = this.seen.get(messageId);
      if (firstSeen !== undefined && now - firstSeen < this.settings.duplicateDetectionMs) return;
      this.seen.set(messageId, now);
    }
    const visibleAt = Math.max(scheduledTime(message), now);
    this.store({ messageId, message, visibleAt, deliveryCount: 0 }, now);
    if (visibleAt > now) this.wakeAt(visibleAt);
  }

  /** Takes the first available message and locks it for one delivery. */
  lockNext(token: string, now = Date.now()): StoredMessage | undefined {
    const stored = this.messages.find((m) => this.available(m, now));
    if (!stored) return undefined;
    const until = now + this.settings.lockDurationMs;
    const timer = setTimeout(() => this.expire(token), this.settings.lockDurationMs);
    stored.lock = { token, until, timer };
    this.locks.set(token, stored);

    return stored;
  }

  /** Takes the first available message for good (receive-and-delete). */
  takeNext(now = Date.now()): StoredMessage | undefined {
    const index = this.messages.findIndex((m) => this.available(m, now));
    if (index < 0) return undefined;

    return this.messages.splice(index, 1)[0];
  }

  /** The locked message of a token, or undefined once the lock has lapsed or been settled. */
  locked(token: string): StoredMessage | undefined {
    return this.locks.get(token);
  }

  /** Completes a locked message: it is removed. */
  complete(token: string): boolean {
    const stored = this.unlock(token);
    if (!stored) return false;
    this.messages = this.messages.filter((m) => m !== stored);

    return true;
  }

  /** Abandons a locked message: its count rises, and at the maximum it is dead-lettered. */
  abandon(token: string, properties?: Record<string, unknown>): boolean {
    const stored = this.unlock(token);
    if (!stored) return false;
    if (properties)
      stored.message.application_properties = {
        ...stored.message.application_properties,
        ...properties,
      };
    this.redeliver(stored);

    return true;
  }

  /** Returns a locked message untouched, as when its delivery never reached the client. */
  release(token: string): boolean {
    const stored = this.unlock(token);
    if (stored) this.changed();

    return stored !== undefined;
  }

  /** Moves a locked message to the dead-letter subqueue with a reason. */
  deadLetter(token: string, reason: string, description: string): boolean {
    const stored = this.unlock(token);
    if (!stored) return false;
    this.moveToDeadLetters(stored, reason, description);

    return true;
  }

  /**
   * Settles a locked delivery by the outcome the client sent: accepted completes, released
   * returns the message untouched, modified abandons, rejected with the dead-letter condition
   * dead-letters (any other rejection abandons). False when the lock was lost.
   */
  settle(token: string, outcome: string, state: SettlementState): boolean {
    if (outcome === 'accepted') return this.complete(token);
    if (outcome === 'released') return this.release(token);
    if (outcome === 'modified') return this.abandon(token, state.message_annotations);
    if (state.error?.condition !== DEAD_LETTER_CONDITION) return this.abandon(token);
    const info = state.error.info ?? {};

    return this.deadLetter(
      token,
      String(info.DeadLetterReason ?? ''),
      String(info.DeadLetterErrorDescription ?? ''),
    );
  }

  /**
   * Defers a locked message: it stays in the queue, out of ordinary receives (the broker does
   * not serve receiving deferred messages by sequence number).
   */
  defer(token: string): boolean {
    const stored = this.unlock(token);
    if (!stored) return false;
    stored.deferred = true;

    return true;
  }

  /** Extends a lock by the lock duration; returns the new expiry, or undefined when lost. */
  renew(token: string, now = Date.now()): number | undefined {
    const stored = this.locks.get(token);
    if (!stored?.lock) return undefined;
    clearTimeout(stored.lock.timer);
    stored.lock.until = now + this.settings.lockDurationMs;
    stored.lock.timer = setTimeout(() => this.expire(token), this.settings.lockDurationMs);

    return stored.lock.until;
  }

  /** What the queue holds, in order. */
  view(): MessageView[] {
    return this.messages.map((m) => ({
      messageId: m.messageId,
      sequence: m.sequence,
      deliveryCount: m.deliveryCount,
      locked: m.lock !== undefined,
      deferred: m.deferred,
      body: m.message.body,
      applicationProperties: { ...m.message.application_properties },
    }));
  }

  /** Stops every timer of the queue and its subqueue. */
  close(): void {
    for (const stored of this.messages) if (stored.lock) clearTimeout(stored.lock.timer);
    for (const timer of this.wakeups) clearTimeout(timer);
    this.wakeups.clear();
    this.deadLetters?.close();
  }

  private store(
    fields: Pick<StoredMessage, 'messageId' | 'message' | 'visibleAt' | 'deliveryCount'>,
    now: number,
  ): void {
    const stored: StoredMessage = {
      ...fields,
      sequence: this.nextSequence(),
      enqueuedAt: now,
      lock: undefined,
      deferred: false,
    };
    this.messages.push(stored);
    this.changed();
  }

  private available(stored: StoredMessage, now: number): boolean {
    return stored.lock === undefined && !stored.deferred && stored.visibleAt <= now;
  }

  private unlock(token: string): StoredMessage | undefined {
    const stored = this.locks.get(token);
    if (!stored?.lock) return undefined;
    clearTimeout(stored.lock.timer);
    stored.lock = undefined;
    this.locks.delete(token);

    return stored;
  }

  private expire(token: string): void {
    const stored = this.unlock(token);
    if (stored) this.redeliver(stored);
  }

  private redeliver(stored: StoredMessage): void {
    stored.deliveryCount += 1;
    if (this.deadLetters && stored.deliveryCount >= this.settings.maxDeliveryCount) {
      this.moveToDeadLetters(
        stored,
        'MaxDeliveryCountExceeded',
        `Message could not be consumed after ${this.settings.maxDeliveryCount} delivery attempts.`,
      );
      return;
    }
    this.changed();
  }

  private moveToDeadLetters(stored: StoredMessage, reason: string, description: string): void {
    this.messages = this.messages.filter((m) => m !== stored);
    const target = this.deadLetters;
    if (!target) return;
    const message: AmqpMessage = {
      ...stored.message,
      application_properties: {
        ...stored.message.application_properties,
        DeadLetterReason: reason,
        DeadLetterErrorDescription: description,
      },
      message_annotations: {
        ...stored.message.message_annotations,
        [ANNOTATIONS.deadLetterSource]: this.name,
      },
    };
    target.store(
      { messageId: stored.messageId, message, visibleAt: 0, deliveryCount: stored.deliveryCount },
      Date.now(),
    );
  }

  private wakeAt(time: number): void {
    const timer = setTimeout(
      () => {
        this.wakeups.delete(timer);
        this.changed();
      },
      time - Date.now() + 1,
    );
    this.wakeups.add(timer);
  }
}
