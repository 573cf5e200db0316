import { randomUUID } from 'node:crypto';
import { close, ftruncate, open, readFile, write } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { NeutralEvent } from '@cloudport/core';

/** An object event recorded before its write became visible, with the functions it is for. */
export interface EventIntent {
  id: string;
  bucket: string;
  key: string;
  /** The ETag the write will have; absent for deletes. */
  etag?: string | undefined;
  deliveries: Array<{ function: string; event: NeutralEvent }>;
}

/** One line of the journal file: an intent, or the id of an intent whose events are queued. */
type JournalLine = { intent: EventIntent } | { done: string };

/** The journal file inside the journal folder. */
export const JOURNAL_FILE = 'intents.jsonl';
/** Once the file passes this size it is emptied the next time no intent in it is open. */
export const JOURNAL_COMPACT_BYTES = 4 * 1024 * 1024;

const openFile = promisify(open);
const writeAt = promisify(write) as (
  fd: number,
  data: Buffer,
  offset: number,
  length: number,
) => Promise<{ bytesWritten: number }>;
const truncateFile = promisify(ftruncate);
const closeFile = promisify(close);
const readWhole = promisify(readFile);

interface Append {
  bytes: Buffer;
  /** Change to the number of open intents once the line is written. */
  opens: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Write-ahead records of object events, as lines appended to one file. An intent is appended
 * before the object changes and marked done once its events are queued, so a crash in between
 * is repaired on the next start: events of writes that landed are queued, those of writes that
 * never landed are dropped.
 *
 * Appending costs one write call and no new file, where a file per intent cost a create, a
 * rename and a delete. Lines appended while a write is under way go out together in the next
 * one. A crash can cut only the last line short, and the store never went on with an intent
 * whose line it did not see written, so an unreadable line is skipped. The file is emptied once
 * it is large and every intent in it is done.
 */
export class EventJournal {
  private readonly dir: string;
  private readonly path: string;
  private readonly compactBytes: number;
  private readonly pending = new Map<string, EventIntent[]>();
  private fd: Promise<number> | undefined;
  private waiting: Append[] = [];
  private writing = false;
  private flushing: Promise<void> = Promise.resolve();
  private bytes = 0;
  /** Intents in the file without their done line yet. */
  private open = 0;
  /** Set when the file may end inside a line, so the next write starts a fresh one. */
  private torn = false;

  constructor(dir: string, options: { compactBytes?: number } = {}) {
    this.dir = dir;
    this.path = join(dir, JOURNAL_FILE);
    this.compactBytes = options.compactBytes ?? JOURNAL_COMPACT_BYTES;
  }

  /** Records an intent durably (against a crash of the process) before the write it is for. */
  async record(intent: Omit<EventIntent, 'id'>): Promise<EventIntent> {
    const full = { ...intent, id: randomUUID() };
    await this.append({ intent: full }, 1);
    const list = this.pending.get(slot(full.bucket, full.key)) ?? [];
    list.push(full);
    this.pending.set(slot(full.bucket, full.key), list);

    return full;
  }

  /** Takes the in-process intents of one object whose write matched `etag` (or any, if unset). */
  take(bucket: string, key: string, etag?: string): EventIntent[] {
    const list = this.pending.get(slot(bucket, key));
    if (!list) return [];
    const taken = list.filter((intent) => etag === undefined || intent.etag === etag);
    const rest = list.filter((intent) => !taken.includes(intent));
    if (rest.length === 0) this.pending.delete(slot(bucket, key));
    else this.pending.set(slot(bucket, key), rest);

    return taken;
  }

  /** Marks an intent whose events are queued. */
  done(intent: EventIntent): Promise<void> {
    return this.append({ done: intent.id }, -1);
  }

  /** Intents in the file that a process stopped before marking done; call once, on start. */
  async leftovers(): Promise<EventIntent[]> {
    let text: string;
    try {
      text = await readWhole(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const intents = new Map<string, EventIntent>();
    for (const line of text.split('\n')) {
      const parsed = parseLine(line);
      if (parsed === undefined) continue;
      if ('intent' in parsed) intents.set(parsed.intent.id, parsed.intent);
      else intents.delete(parsed.done);
    }
    this.bytes = Buffer.byteLength(text);
    this.open += intents.size;
    this.torn = text.length > 0 && !text.endsWith('\n');

    return [...intents.values()];
  }

  /** Number of intents written by this process and not yet taken. */
  get size(): number {
    let count = 0;
    for (const list of this.pending.values()) count += list.length;

    return count;
  }

  /** Waits for the appends under way, then closes the file. */
  async close(): Promise<void> {
    while (this.writing) await this.flushing;
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) await closeFile(await fd);
  }

  private append(line: JournalLine, opens: number): Promise<void> {
    const bytes = Buffer.from(`${JSON.stringify(line)}\n`, 'utf8');

    return new Promise((resolve, reject) => {
      this.waiting.push({ bytes, opens, resolve, reject });
      if (this.writing) return;
      this.writing = true;
      this.flushing = this.flush();
    });
  }

  private async flush(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = this.waiting;
      this.waiting = [];
      try {
        const fd = await this.file();
        if (this.open === 0 && this.bytes > this.compactBytes) {
          await truncateFile(fd, 0);
          this.bytes = 0;
          this.torn = false;
        }
        const lines = batch.map((entry) => entry.bytes);
        if (this.torn) lines.unshift(Buffer.from('\n'));
        await this.write(fd, Buffer.concat(lines));
        for (const entry of batch) {
          this.open += entry.opens;
          entry.resolve();
        }
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    // Cleared in the same step as the last look at the waiting lines, so none is left behind.
    this.writing = false;
  }

  /** Writes every byte; a failure part-way leaves the file torn, to be mended by the next. */
  private async write(fd: number, data: Buffer): Promise<void> {
    this.torn = true;
    for (let offset = 0; offset < data.length; ) {
      const { bytesWritten } = await writeAt(fd, data, offset, data.length - offset);
      offset += bytesWritten;
      this.bytes += bytesWritten;
    }
    this.torn = false;
  }

  private file(): Promise<number> {
    if (this.fd === undefined) {
      const opening = mkdir(this.dir, { recursive: true }).then(() => openFile(this.path, 'a'));
      opening.catch(() => {
        if (this.fd === opening) this.fd = undefined;
      });
      this.fd = opening;
    }

    return this.fd;
  }
}

function parseLine(line: string): JournalLine | undefined {
  if (line === '') return undefined;
  try {
    const parsed = JSON.parse(line) as JournalLine;
    if ('intent' in parsed && typeof parsed.intent?.id === 'string') return parsed;
    if ('done' in parsed && typeof parsed.done === 'string') return parsed;
  } catch {
    // Cut short by a crash: its write never returned, so its object never changed.
  }

  return undefined;
}

function slot(bucket: string, key: string): string {
  return `${bucket}\u0000${key}`;
}
