import { type DeadLetter, InvalidEventError } from '@cloudport/core';
import {
  encodeFile,
  type FileFacts,
  isMissingFile,
  type Location,
  type MessageHeader,
} from './files.js';
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
   * its reason, then deletes the live file. Counted as dead at once, and no longer if the
   * write fails. With `raw` the dead copy keeps the live file's bytes as they are (empty when
   * the file is gone), for a file that does not decode as a message.
   */
  add(entry: Entry, reason: string, raw = false): Promise<void> {
    const location: Location = { folder: 'dead', name: nameOf(entry, entry.deliveries, 0) };
    const keyed = entry.orderingKey !== undefined || entry.deduplicationId !== undefined;
    const dead = this.track(entry.id, entry.seq, entry.deliveries, location, keyed && !raw);
    const deadLetteredAt = Date.now();
    const written = this.store.run(entry, async () => {
      const data = raw
        ? encodeFile(
            { id: entry.id, sentAt: deadLetteredAt, reason, deadLetteredAt },
            await this.rawBytes(entry.location),
          )
        : await this.copyOf(entry, reason, deadLetteredAt);
      await this.store.files.create(location, data);
      await this.store.files.remove(entry.location).catch((error: unknown) => {
        if (!isMissingFile(error)) throw error;
      });
      this.store.uncache(entry);
    });
    this.settle(dead, written);
    this.settings.logger.debug('queue message dead-lettered', {
      queue: this.settings.name,
      messageId: entry.id,
      reason,
    });

    return written;
  }

  /**
   * Turns a file found in a message folder whose name is not a message name into a dead letter
   * under a new id, keeping its bytes, then removes the file.
   */
  adopt(stray: Location, id: string, seq: number): Promise<void> {
    const location: Location = {
      folder: 'dead',
      name: nameOf(newEntry(id, seq, 0, 0, stray, undefined), 0, 0),
    };
    const dead = this.track(id, seq, 0, location, false);
    const path = this.store.files.path(stray);
    const written = this.store.run(dead, async () => {
      const at = Date.now();
      const reason =
        `the file ${path} in the queue folder was not a message file; its bytes are kept ` +
        'as the body';
      const header: MessageHeader = { id, sentAt: at, reason, deadLetteredAt: at };
      await this.store.files.create(location, encodeFile(header, await this.rawBytes(stray)));
      await this.store.files.remove(stray);
    });
    this.settle(dead, written);

    return written;
  }

  /**
   * Every dead letter in send order, read from its file. A dead file that no longer decodes is
   * listed with its raw bytes as the body and a reason naming the file.
   */
  async list(): Promise<DeadLetter<unknown>[]> {
    const letters: DeadLetter<unknown>[] = [];
    for (const dead of this.sorted()) {
      const letter = await this.store.run(dead, async () => {
        if (this.entries.get(dead.id) !== dead) return undefined;
        return this.read(dead);
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

  private track(
    id: string,
    seq: number,
    deliveries: number,
    location: Location,
    keyed: boolean,
  ): DeadEntry {
    const dead: DeadEntry = {
      id,
      seq,
      deliveries,
      location,
      keyed,
      replaying: false,
      chain: done(),
    };
    this.entries.set(id, dead);

    return dead;
  }

  // A failed write leaves the message where it was, so it is no longer counted as dead.
  private settle(dead: DeadEntry, written: Promise<void>): void {
    dead.chain = written.then(noop, () => {
      if (this.entries.get(dead.id) === dead) this.entries.delete(dead.id);
    });
  }

  private async copyOf(entry: Entry, reason: string, deadLetteredAt: number): Promise<Buffer> {
    const payload = await this.store.payload(entry);
    const header: MessageHeader = { ...payload.header, reason, deadLetteredAt };

    return encodeFile(header, payload.body);
  }

  private async rawBytes(location: Location): Promise<Uint8Array> {
    try {
      return await this.store.files.read(location);
    } catch (error) {
      if (isMissingFile(error)) return new Uint8Array(0);
      throw error;
    }
  }

  private async read(dead: DeadEntry): Promise<DeadLetter<unknown>> {
    try {
      const { header, body } = await this.store.read(dead.location);
      const message = this.store.toMessage(header, body, dead.deliveries, '', true);
      const reason = header.reason ?? 'no reason recorded';
      const deadLetteredAt = new Date(header.deadLetteredAt ?? header.sentAt);

      return { ...message, reason, deadLetteredAt };
    } catch (error) {
      if (!(error instanceof InvalidEventError)) throw error;
      const path = this.store.files.path(dead.location);
      const reason = `the dead-letter file ${path} is unreadable (${error.message})`;
      const now = new Date();
      const body = new Uint8Array(await this.store.files.read(dead.location));
      const message = { messageId: dead.id, body, attributes: {}, deliveryCount: dead.deliveries };

      return { ...message, sentAt: now, receipt: '', reason, deadLetteredAt: now };
    }
  }

  private async putBack(dead: DeadEntry): Promise<boolean> {
    if (this.entries.get(dead.id) !== dead) return false;
    const header = dead.keyed ? await this.keyedHeader(dead) : undefined;
    const entry = newEntry(dead.id, dead.seq, 0, 0, dead.location, header);
    const target: Location = { folder: 'ready', name: nameOf(entry, 0, 0) };
    await this.store.files.move(dead.location, target);
    entry.location = target;
    this.entries.delete(dead.id);
    this.revive(entry);

    return true;
  }

  // An unreadable dead file is replayed without keys; its delivery dead-letters it again.
  private async keyedHeader(dead: DeadEntry): Promise<MessageHeader | undefined> {
    try {
      return (await this.store.read(dead.location)).header;
    } catch (error) {
      if (error instanceof InvalidEventError) return undefined;
      throw error;
    }
  }

  private sorted(): DeadEntry[] {
    return [...this.entries.values()].sort((a, b) => a.seq - b.seq);
  }
}

function done(): Promise<void> {
  return Promise.resolve();
}

function noop(): void {}
