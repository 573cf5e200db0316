/** How long a deduplication id is remembered after its send, as on SQS FIFO queues. */
export const DEDUPLICATION_WINDOW_MS = 5 * 60 * 1000;

interface Slot<E> {
  item: E;
  state: 'writing' | 'written' | 'failed';
  error: unknown;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Makes written messages visible in the order they were sent, whatever order their files
 * finish writing in, so that memory, file names and recovery all agree on send order.
 */
export class InsertOrder<E> {
  private readonly slots: Slot<E>[] = [];
  private readonly insert: (item: E) => void;

  constructor(insert: (item: E) => void) {
    this.insert = insert;
  }

  /** True while some write has not finished. */
  get busy(): boolean {
    return this.slots.length > 0;
  }

  /** Registers a write in send order; resolves once it and every earlier one are inserted. */
  add(item: E, written: Promise<void>): Promise<void> {
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const done = new Promise<void>((yes, no) => {
      resolve = yes;
      reject = no;
    });
    const slot: Slot<E> = { item, state: 'writing', error: undefined, resolve, reject };
    this.slots.push(slot);
    written.then(
      () => {
        slot.state = 'written';
        this.flush();
      },
      (error: unknown) => {
        slot.state = 'failed';
        slot.error = error;
        this.flush();
      },
    );

    return done;
  }

  private flush(): void {
    for (let slot = this.slots[0]; slot && slot.state !== 'writing'; slot = this.slots[0]) {
      this.slots.shift();
      if (slot.state === 'failed') {
        slot.reject(slot.error);
        continue;
      }
      try {
        this.insert(slot.item);
        slot.resolve();
      } catch (error) {
        slot.reject(error);
      }
    }
  }
}

interface Seen {
  messageId: string;
  until: number;
  inserted: Promise<void>;
}

/** Deduplication ids sent by this process in the last five minutes, oldest first. */
export class DedupWindow {
  private readonly seen = new Map<string, Seen>();

  /** The earlier send of `id` within the window, if any. */
  find(id: string, now: number): Seen | undefined {
    for (const [key, entry] of this.seen) {
      if (entry.until > now) break;
      this.seen.delete(key);
    }
    const entry = this.seen.get(id);

    return entry && entry.until > now ? entry : undefined;
  }

  /** Remembers a send; a failed write is forgotten so that a later send can succeed. */
  remember(id: string, messageId: string, now: number, inserted: Promise<void>): void {
    const entry = { messageId, until: now + DEDUPLICATION_WINDOW_MS, inserted };
    this.seen.delete(id);
    this.seen.set(id, entry);
    inserted.catch(() => {
      if (this.seen.get(id) === entry) this.seen.delete(id);
    });
  }

  clear(): void {
    this.seen.clear();
  }
}
