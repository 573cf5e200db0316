import { randomBytes } from 'node:crypto';

const TIME_DIGITS = 9;
const COUNTER_DIGITS = 4;
const COUNTER_LIMIT = 36 ** COUNTER_DIGITS;
const ID_PATTERN = /^[0-9a-z]{13}[0-9a-f]{8}$/;

/**
 * Makes message ids that sort in the order they were made, also across restarts of one queue.
 *
 * An id is the time in milliseconds (9 base-36 digits), a counter within that millisecond
 * (4 base-36 digits) and 8 random hex digits, 21 characters in all. The clock never runs
 * backwards: after {@link observe} it continues above the newest id found on disk.
 */
export class IdClock {
  private time = 0;
  private counter = 0;

  /** Moves the clock past an existing id, so that new ids sort after it. */
  observe(id: string): void {
    const time = Number.parseInt(id.slice(0, TIME_DIGITS), 36);
    const counter = Number.parseInt(id.slice(TIME_DIGITS, TIME_DIGITS + COUNTER_DIGITS), 36);
    if (time > this.time || (time === this.time && counter >= this.counter)) {
      this.time = time;
      this.counter = counter + 1;
    }
  }

  next(): string {
    const now = Date.now();
    if (now > this.time) {
      this.time = now;
      this.counter = 0;
    }
    if (this.counter >= COUNTER_LIMIT) {
      this.time += 1;
      this.counter = 0;
    }
    const time = this.time.toString(36).padStart(TIME_DIGITS, '0');
    const counter = (this.counter++).toString(36).padStart(COUNTER_DIGITS, '0');

    return `${time}${counter}${randomBytes(4).toString('hex')}`;
  }
}

/** True when `value` has the shape of an id made by {@link IdClock}. */
export function isMessageId(value: string): boolean {
  return ID_PATTERN.test(value);
}

/**
 * Makes receipts: unique per delivery, and never equal to a receipt of another open of the
 * same folder, so a receipt kept across a close and reopen is recognised as stale.
 */
export class ReceiptMaker {
  private readonly prefix = randomBytes(4).toString('hex');
  private counter = 0;

  next(messageId: string, deliveries: number): string {
    this.counter += 1;

    return `${messageId}.${deliveries}.${this.prefix}${this.counter.toString(36)}`;
  }
}
