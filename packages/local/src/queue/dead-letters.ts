import type { DeadLetter } from '@cloudport/core';
import { encodeFile, type FileFacts, type Location, type MessageHeader } from './files.js';
import { type Chained, type MessageFiles, nameOf, newEntry } from './message-files.js';
import type { Entry } from './message-index.js';
import type { QueueSettings } from './options.js';

interface DeadEntry extends Chained {
  id: string;
  seq: number;
  deliveries: number;
  location: Location;
  /** The header holds an ordering key or deduplication id, to restore on replay. */
  keyed: boolean;
  replaying: boolean;
}

/**
 * A queue's dead letters: files in `dead`, each a copy of the message with the reason and
 * time in its header. Only ids and places are kept in memory; bodies are read when listed.
 */
export class DeadLetterShelf {
  private readonly entries = new Map<string, DeadEntry>();
  private readonly settings: QueueSettings;
  private readonly store: MessageFiles;
  private readonly revive: (entry: Entry) => void;

  /** `revive` adds a replayed message, already in `ready`, back to the index. */
  constructor(settings: QueueSettings, store: MessageFiles, revive: (entry: Entry) => void) {
    this.settings = settings;
    this.store = store;
    this.revive = revive;
  }

  get size(): number {
    return this.entries.size;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  /** Records a dead letter found on open. */
  restore(facts: FileFacts, location: Location, seq: number): void {
    const keyed = facts.keyed || facts.deduplicated;
    const { id, deliveries } = facts;
    this.entries.set(id, { id, seq, deliveries, location, keyed, replaying: false, chain: done() });
  }

  /**
   * Dead-letters a live message already removed from the index: writes the dead copy with
   * its reason, then deletes the live file. Counted as dead at once.
   */
  add(entry: Entry, reason: string): Promise<void> {
    const location: Location = { folder: 'dead', name: nameOf(entry, entry.deliveries, 0) };
    const dead: DeadEntry = {
      id: entry.id,
      seq: entry.seq,
      deliveries: entry.deliveries,
      location,
      keyed: entry.orderingKey !== undefined || entry.deduplicationId !== undefined,
      replaying: false,
      chain: done(),
    };
    this.entries.set(entry.id, dead);
    const deadLetteredAt = Date.now();
    const written = this.store.run(entry, async () => {
      const payload = await this.store.payload(entry);
      const header: MessageHeader = { ...payload.header, reason, deadLetteredAt };
      await this.store.files.create(location, encodeFile(header, payload.body));
      await this.store.files.remove(entry.location);
      this.store.uncache(entry);
    });
    dead.chain = written.then(done, done);
    this.settings.logger.debug('queue message dead-lettered', {
      queue: this.settings.name,
      messageId: entry.id,
      reason,
    });

    return written;
  }

  /** Every dead letter in send order, read from its file. */
  async list(): Promise<DeadLetter<unknown>[]> {
    const letters: DeadLetter<unknown>[] = [];
    for (const dead of this.sorted()) {
      const letter = await this.store.run(dead, async () => {
        if (this.entries.get(dead.id) !== dead) return undefined;
        const { header, body } = await this.store.read(dead.location);
        const message = this.store.toMessage(header, body, dead.deliveries, '', true);
        const reason = header.reason ?? 'no reason recorded';
        const deadLetteredAt = new Date(header.deadLetteredAt ?? header.sentAt);

        return { ...message, reason, deadLetteredAt };
      });
      if (letter) letters.push(letter);
    }

    return letters;
  }

  /** Moves dead letters back to `ready` with no deliveries counted; returns how many moved. */
  async replay(messageIds: ReadonlyArray<string> | undefined): Promise<number> {
    const chosen =
      messageIds === undefined
        ? this.sorted()
        : messageIds.flatMap((id) => this.entries.get(id) ?? []);
    const jobs = chosen
      .filter((dead) => !dead.replaying)
      .map((dead) => {
        dead.replaying = true;
        const job = this.store.run(dead, () => this.putBack(dead));
        return job.finally(() => {
          dead.replaying = false;
        });
      });
    const results = await Promise.allSettled(jobs);
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;

    return results.filter((result) => result.status === 'fulfilled' && result.value).length;
  }

  clear(): void {
    this.entries.clear();
  }

  private async putBack(dead: DeadEntry): Promise<boolean> {
    if (this.entries.get(dead.id) !== dead) return false;
    const header = dead.keyed ? (await this.store.read(dead.location)).header : undefined;
    const entry = newEntry(dead.id, dead.seq, 0, 0, dead.location, header);
    const target: Location = { folder: 'ready', name: nameOf(entry, 0, 0) };
    await this.store.files.move(dead.location, target);
    entry.location = target;
    this.entries.delete(dead.id);
    this.revive(entry);

    return true;
  }

  private sorted(): DeadEntry[] {
    return [...this.entries.values()].sort((a, b) => a.seq - b.seq);
  }
}

function done(): Promise<void> {
  return Promise.resolve();
}
