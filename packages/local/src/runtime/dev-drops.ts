import { type BigIntStats, createReadStream, watch } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { isCloudportError, type Logger } from '@cloudport/core';
import { contentTypeOf, droppedKey } from '../store/dropped-file.js';
import { type FileStore, isStoreEntry } from '../store/file-store.js';

/** How long a dropped file must keep its size and modification time before it is imported. */
export const DEFAULT_DROP_QUIET_MS = 1000;
/** Dropped files read at once. */
const IMPORTS_AT_ONCE = 4;

/** Options of {@link watchDrops}. */
export interface DropWatchOptions {
  /** The bucket's store, as the runtime wraps it, so that imports fire object events. */
  store: FileStore;
  bucket: string;
  /** The bucket's folder. */
  dir: string;
  quietMs: number;
  logger: Logger;
  signal: AbortSignal;
}

/** A running watch of one bucket folder. */
export interface DropWatch {
  /** Stops watching and waits for imports under way. */
  close(): Promise<void>;
}

/**
 * Watches a bucket folder and imports every file dropped into it, including files already
 * there, once the file has stopped changing. A file that changes while it is read is not
 * imported; one that changes after it was read is imported and kept, then imported again
 * once it is quiet, so no write is lost. The file is removed only when it is still exactly
 * what was read.
 */
export async function watchDrops(options: DropWatchOptions): Promise<DropWatch> {
  await mkdir(options.dir, { recursive: true });
  const drops = new Drops(options);
  const watcher = watch(options.dir, { recursive: true, signal: options.signal }, (_, name) => {
    if (name) drops.touch(join(options.dir, name.toString()));
  });
  watcher.on('error', (error) => options.logger.warn('bucket folder watch failed', { error }));
  drops.touch(options.dir);

  return {
    close: async () => {
      watcher.close();
      await drops.settled();
    },
  };
}

/** One dropped path being waited on or imported; `changed` notes events seen meanwhile. */
interface Job {
  changed: boolean;
  done?: Promise<void>;
}

class Drops {
  private readonly options: DropWatchOptions;
  private readonly jobs = new Map<string, Job>();
  private readonly slots: Array<() => void> = [];
  private reading = 0;

  constructor(options: DropWatchOptions) {
    this.options = options;
  }

  /** Notes a change at `path`: a new file, a write to one, or a folder moved in. */
  touch(path: string): void {
    const rel = relative(this.options.dir, path);
    if (this.options.signal.aborted || isStoreEntry(rel) || isLitter(rel)) return;
    const running = this.jobs.get(path);
    if (running) {
      running.changed = true;
      return;
    }
    const job: Job = { changed: false };
    this.jobs.set(path, job);
    job.done = this.follow(path, job)
      .catch((error: unknown) =>
        this.options.logger.warn('could not import dropped file', { path, error }),
      )
      .finally(() => this.jobs.delete(path));
  }

  async settled(): Promise<void> {
    while (this.jobs.size > 0) await Promise.all([...this.jobs.values()].map((job) => job.done));
  }

  private async follow(path: string, job: Job): Promise<void> {
    const first = await statOf(path);
    // A folder created or moved in: its files may never have an event of their own.
    if (first?.isDirectory()) return this.scan(path);
    while (!this.options.signal.aborted) {
      const quiet = await this.quiet(path, job);
      if (!quiet) return;
      job.changed = false;
      if ((await this.withSlot(() => this.importFile(path, quiet))) && !job.changed) return;
    }
  }

  /** Waits until the file keeps its size and mtime for the quiet period; undefined if gone. */
  private async quiet(path: string, job: Job): Promise<BigIntStats | undefined> {
    let last = await statOf(path);
    while (last?.isFile() && !this.options.signal.aborted) {
      await delay(this.options.quietMs, undefined, { signal: this.options.signal }).catch(() => {});
      const now = await statOf(path);
      if (now && sameFile(now, last) && !job.changed) return now;
      job.changed = false;
      last = now;
    }

    return undefined;
  }

  /**
   * Puts the file's bytes as its object, through the runtime's store so its events fire, and
   * removes it if it is still what was read. False when the file has to be imported again.
   */
  private async importFile(path: string, read: BigIntStats): Promise<boolean> {
    const { store, dir, bucket } = this.options;
    const key = droppedKey(dir, path, bucket);
    const copy = { changed: false };
    try {
      await store.put(key, readWhole(path, read, copy), { contentType: contentTypeOf(key) });
    } catch (error) {
      if (copy.changed || isCloudportError(error, 'PRECONDITION_FAILED')) return false;
      // Removed before it could be read: there is nothing left to import.
      if (!(await statOf(path))) return true;
      throw error;
    }
    const now = await statOf(path);
    if (now && !sameFile(now, read)) return false;
    await rm(path, { force: true });

    return true;
  }

  private async scan(folder: string): Promise<void> {
    const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) await this.scan(path);
      else this.touch(path);
    }
  }

  private async withSlot<T>(work: () => Promise<T>): Promise<T> {
    while (this.reading >= IMPORTS_AT_ONCE) await new Promise<void>((go) => this.slots.push(go));
    this.reading += 1;
    try {
      return await work();
    } finally {
      this.reading -= 1;
      this.slots.shift()?.();
    }
  }
}

/**
 * Streams the file, then checks it is still the version it was opened as; if not, marks
 * `copy.changed` and fails, so the store discards the staged bytes before they commit.
 */
async function* readWhole(
  path: string,
  read: BigIntStats,
  copy: { changed: boolean },
): AsyncGenerator<Uint8Array> {
  yield* createReadStream(path);
  const after = await statOf(path);
  if (after && sameFile(after, read)) return;
  copy.changed = true;
  throw new Error(`${path} changed while it was read; it is imported once it stops changing.`);
}

function sameFile(a: BigIntStats, b: BigIntStats): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs;
}

function statOf(path: string): Promise<BigIntStats | undefined> {
  return stat(path, { bigint: true }).catch(() => undefined);
}

/** Hidden files and folders, editor backups and thumbnail caches: nobody drops them. */
function isLitter(rel: string): boolean {
  const parts = rel.split(sep);
  const last = parts.at(-1) ?? '';

  return parts.some((part) => part.startsWith('.')) || last.endsWith('~') || last === 'Thumbs.db';
}
