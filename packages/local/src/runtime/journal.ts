import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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

/**
 * Write-ahead records of object events. An intent is written before the object changes and
 * removed once its events are queued, so a crash in between is repaired on the next start:
 * events of writes that landed are queued, those of writes that never landed are dropped.
 */
export class EventJournal {
  private readonly dir: string;
  private readonly pending = new Map<string, EventIntent[]>();

  constructor(dir: string) {
    this.dir = dir;
  }

  /** Records an intent durably (temporary file, then rename). */
  async record(intent: Omit<EventIntent, 'id'>): Promise<EventIntent> {
    const full = { ...intent, id: randomUUID() };
    const target = join(this.dir, `${full.id}.json`);
    await mkdir(this.dir, { recursive: true });
    await writeFile(`${target}.tmp`, JSON.stringify(full));
    await rename(`${target}.tmp`, target);
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

  /** Removes an intent whose events are queued. */
  async done(intent: EventIntent): Promise<void> {
    await rm(join(this.dir, `${intent.id}.json`), { force: true });
  }

  /** Intents left on disk by a process that stopped before queueing their events. */
  async leftovers(): Promise<EventIntent[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const intents: EventIntent[] = [];
    for (const name of names) {
      const path = join(this.dir, name);
      if (!name.endsWith('.json')) {
        await rm(path, { force: true });
        continue;
      }
      intents.push(JSON.parse(await readFile(path, 'utf8')) as EventIntent);
    }

    return intents;
  }

  /** Number of intents written by this process and not yet done. */
  get size(): number {
    let count = 0;
    for (const list of this.pending.values()) count += list.length;

    return count;
  }
}

function slot(bucket: string, key: string): string {
  return `${bucket}\u0000${key}`;
}
