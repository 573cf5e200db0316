import type { Location, MessageHeader } from './files.js';
import { MinHeap } from './heap.js';

/** Where a live message stands in memory; `gone` once completed or dead-lettered. */
export type EntryState = 'delayed' | 'ready' | 'inflight' | 'gone';

/** A message's header and body, kept in memory while a byte budget allows. */
export interface Payload {
  header: MessageHeader;
  body: Uint8Array;
}

/** One live message (waiting or in flight) as the index tracks it. */
export interface Entry {
  readonly id: string;
  /** Send order: ids sorted on recovery, then counted up by new sends. */
  readonly seq: number;
  readonly orderingKey: string | undefined;
  readonly deduplicationId: string | undefined;
  state: EntryState;
  deliveries: number;
  /** When a delayed message becomes visible, or when an in-flight one times out. */
  dueAt: number;
  /** Receipt of the latest delivery; valid until the next delivery or settlement. */
  receipt: string | undefined;
  /** Where the file is; changed only once a file operation has finished. */
  location: Location;
  payload: Payload | undefined;
  /** File operations on this message, run one after another. */
  chain: Promise<void>;
  /** Raised on every state change; older timers carry an older ticket and are ignored. */
  ticket: number;
  /** True while the entry sits in the visible heap. */
  queued: boolean;
  /**
   * Set when dead-lettering failed on disk: the reason to dead-letter with again the next time
   * the message comes up, instead of delivering it.
   */
  doomed: Burial | undefined;
}

/** How a message is to be dead-lettered: with this reason, as read or as its file's raw bytes. */
export interface Burial {
  reason: string;
  /** Keep the file's bytes as they are, for a file that does not decode as a message. */
  raw: boolean;
}

/** Messages by state, as {@link LocalQueue.counts} reports them. */
export interface QueueCounts {
  /** Visible now, or held back only by an earlier message of the same ordering key. */
  ready: number;
  delayed: number;
  inFlight: number;
  dead: number;
}

interface Timer {
  at: number;
  entry: Entry;
  ticket: number;
}

interface Group {
  /** Waiting and in-flight messages of one ordering key, in send order. */
  members: Entry[];
  active: Entry | undefined;
}

/**
 * The in-memory index of a queue's live messages, built on open and kept in step with the
 * files. Receiving takes the lowest sequence numbers from a heap of deliverable messages;
 * timers move delayed and timed-out messages back into it.
 *
 * A message with an ordering key is deliverable only when it is the earliest waiting message
 * of its key and no message of that key is in flight.
 */
export class MessageIndex {
  readonly entries = new Map<string, Entry>();
  readonly byDeduplicationId = new Map<string, Entry>();
  private readonly visible = new MinHeap<Entry>((entry) => entry.seq);
  private readonly timers = new MinHeap<Timer>((timer) => timer.at);
  private readonly groups = new Map<string, Group>();
  private readonly tally = { delayed: 0, ready: 0, inflight: 0, gone: 0 };
  private readonly maxAttempts: number;

  constructor(maxAttempts: number) {
    this.maxAttempts = maxAttempts;
  }

  counts(dead: number): QueueCounts {
    const { ready, delayed, inflight } = this.tally;

    return { ready, delayed, inFlight: inflight, dead };
  }

  /** Adds a message that is on disk, waiting until `dueAt` (0 or past: visible now). */
  add(entry: Entry, now: number): void {
    this.entries.set(entry.id, entry);
    if (entry.deduplicationId !== undefined) {
      this.byDeduplicationId.set(entry.deduplicationId, entry);
    }
    if (entry.orderingKey !== undefined) this.join(entry);
    this.tally[entry.state] += 1;
    this.wait(entry, entry.dueAt, now);
  }

  /** Delivers up to `max` messages: each in flight until `now + visibilityMs`. */
  take(max: number, now: number, visibilityMs: number): Entry[] {
    const taken: Entry[] = [];
    while (taken.length < max) {
      const entry = this.visible.pop();
      if (!entry) break;
      if (!entry.queued || entry.state !== 'ready') continue;
      entry.queued = false;
      this.setState(entry, 'inflight');
      entry.deliveries += 1;
      entry.dueAt = now + visibilityMs;
      this.timers.push({ at: entry.dueAt, entry, ticket: entry.ticket });
      if (entry.orderingKey !== undefined) this.groupOf(entry).active = entry;
      taken.push(entry);
    }

    return taken;
  }

  /**
   * Delivers one named message that is waiting (visible or delayed), in flight until
   * `now + visibilityMs`. A message with an ordering key is taken only when it heads its key
   * and none of that key is in flight. Returns false when the message cannot be taken.
   */
  takeOne(entry: Entry, now: number, visibilityMs: number): boolean {
    if (entry.state !== 'ready' && entry.state !== 'delayed') return false;
    if (entry.orderingKey !== undefined) {
      const group = this.groupOf(entry);
      if (group.active !== undefined || group.members[0] !== entry) return false;
      group.active = entry;
    }
    entry.queued = false;
    this.setState(entry, 'inflight');
    entry.deliveries += 1;
    entry.dueAt = now + visibilityMs;
    this.timers.push({ at: entry.dueAt, entry, ticket: entry.ticket });

    return true;
  }

  /** Puts an in-flight message back, visible at `visibleAt` (retry, or a timeout). */
  release(entry: Entry, visibleAt: number, now: number): void {
    if (entry.orderingKey !== undefined) {
      const group = this.groupOf(entry);
      if (group.active === entry) group.active = undefined;
    }
    this.wait(entry, visibleAt, now);
  }

  /** Forgets a message that was completed or dead-lettered, and frees its ordering key. */
  remove(entry: Entry): void {
    if (entry.state === 'gone') return;
    this.setState(entry, 'gone');
    entry.queued = false;
    this.entries.delete(entry.id);
    if (entry.deduplicationId !== undefined) {
      if (this.byDeduplicationId.get(entry.deduplicationId) === entry) {
        this.byDeduplicationId.delete(entry.deduplicationId);
      }
    }
    // Settled deliveries leave their timeout timers behind; drop them once they pile up.
    if (this.timers.size > 4 * this.entries.size + 1024) {
      this.timers.retain((timer) => timer.ticket === timer.entry.ticket);
    }
    if (entry.orderingKey === undefined) return;
    const group = this.groupOf(entry);
    if (group.active === entry) group.active = undefined;
    const at = group.members.indexOf(entry);
    if (at >= 0) group.members.splice(at, 1);
    if (group.members.length === 0) this.groups.delete(entry.orderingKey);
    else this.offer(group.members[0] as Entry);
  }

  /**
   * Fires the timers due by `now`: delayed messages become visible, timed-out deliveries
   * become visible again. Returns timed-out deliveries that used the last attempt; the
   * caller dead-letters them.
   */
  advance(now: number): Entry[] {
    const exhausted: Entry[] = [];
    for (let timer = this.timers.peek(); timer && timer.at <= now; timer = this.timers.peek()) {
      this.timers.pop();
      const { entry } = timer;
      if (timer.ticket !== entry.ticket) continue;
      if (entry.state === 'delayed') {
        this.setState(entry, 'ready');
        this.offer(entry);
      } else if (entry.state === 'inflight') {
        if (entry.deliveries >= this.maxAttempts) exhausted.push(entry);
        else this.release(entry, 0, now);
      }
    }

    return exhausted;
  }

  /** When the next timer is due, or undefined when none is pending. */
  nextDueAt(): number | undefined {
    for (let timer = this.timers.peek(); timer; timer = this.timers.peek()) {
      if (timer.ticket === timer.entry.ticket) return timer.at;
      this.timers.pop();
    }

    return undefined;
  }

  /** True when at least one message can be delivered now. */
  hasVisible(): boolean {
    for (let entry = this.visible.peek(); entry; entry = this.visible.peek()) {
      if (entry.queued && entry.state === 'ready') return true;
      this.visible.pop();
    }

    return false;
  }

  /** Live messages in send order. */
  list(): Entry[] {
    return [...this.entries.values()].sort((a, b) => a.seq - b.seq);
  }

  clear(): void {
    this.entries.clear();
    this.byDeduplicationId.clear();
    this.visible.clear();
    this.timers.clear();
    this.groups.clear();
  }

  private wait(entry: Entry, visibleAt: number, now: number): void {
    if (visibleAt > now) {
      this.setState(entry, 'delayed');
      entry.dueAt = visibleAt;
      this.timers.push({ at: visibleAt, entry, ticket: entry.ticket });
    } else {
      this.setState(entry, 'ready');
      entry.dueAt = 0;
      this.offer(entry);
    }
  }

  private offer(entry: Entry): void {
    if (entry.state !== 'ready' || entry.queued) return;
    if (entry.orderingKey !== undefined) {
      const group = this.groupOf(entry);
      if (group.active !== undefined || group.members[0] !== entry) return;
    }
    entry.queued = true;
    this.visible.push(entry);
  }

  private setState(entry: Entry, state: EntryState): void {
    this.tally[entry.state] -= 1;
    this.tally[state] += 1;
    entry.state = state;
    entry.ticket += 1;
  }

  private join(entry: Entry): void {
    const key = entry.orderingKey as string;
    let group = this.groups.get(key);
    if (!group) {
      group = { members: [], active: undefined };
      this.groups.set(key, group);
    }
    const members = group.members;
    let at = members.length;
    while (at > 0 && (members[at - 1] as Entry).seq > entry.seq) at -= 1;
    members.splice(at, 0, entry);
    // A newly added earlier message displaces the old head from the visible heap.
    const displaced = members[1];
    if (at === 0 && displaced?.queued) displaced.queued = false;
  }

  private groupOf(entry: Entry): Group {
    return this.groups.get(entry.orderingKey as string) as Group;
  }
}
