import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** Spare files a pool keeps at most; a file retired past that is deleted. */
export const SPARE_FILES_LIMIT = 1024;

/**
 * A folder of spare files: files that no one reads any more, kept instead of deleted so that
 * a later write can fill one instead of creating a new file.
 *
 * Creating a file allocates an inode, and deleting one frees it; on some filesystems that is
 * the dearest step of a small write by far (ext4 without a journal, for one, scans past every
 * inode freed in the last minutes before it picks a new one, and a busy machine frees many).
 * Renaming a spare into place and truncating it costs a fraction of that. The local runtime
 * keeps one pool under its root: queues retire the files of completed messages into it, and
 * stores and queues stage new files in spares while any are left.
 *
 * Only a file that nothing still has open may be retired: a reader holding it would see the
 * bytes of the next write. Spares hold stale bytes until they are taken; takers open them with
 * truncation. Files in the folder when it opens become spares. One process owns a pool.
 */
export class SpareFiles {
  readonly dir: string;
  private readonly limit: number;
  private readonly prefix = randomBytes(4).toString('hex');
  private readonly spares: string[];
  private readonly device: number;
  private counter = 0;

  private constructor(dir: string, names: string[], device: number, limit: number) {
    this.dir = dir;
    this.limit = limit;
    this.device = device;
    this.spares = names.slice(0, limit).map((name) => join(dir, name));
  }

  /** Opens (creating if needed) the pool in `dir`, taking its files as spares. */
  static async open(dir: string, limit = SPARE_FILES_LIMIT): Promise<SpareFiles> {
    await mkdir(dir, { recursive: true });
    const names = await readdir(dir);
    const { dev } = await stat(dir);

    return new SpareFiles(dir, names, dev, limit);
  }

  /** Spare files left. */
  get size(): number {
    return this.spares.length;
  }

  /** True when files under `dir` can move to and from the pool with a rename. */
  async serves(dir: string): Promise<boolean> {
    const info = await stat(dir).catch(() => undefined);

    return info?.dev === this.device;
  }

  /** Takes a spare to write into with truncation and then rename away; undefined if none. */
  take(): string | undefined {
    return this.spares.pop();
  }

  /** Keeps a file nothing reads any more as a spare, or deletes it when the pool is full. */
  async retire(path: string): Promise<void> {
    if (this.spares.length >= this.limit) return unlink(path);
    this.counter += 1;
    const spare = join(this.dir, `${this.prefix}-${this.counter}`);
    try {
      await rename(path, spare);
    } catch {
      // Another filesystem after all, or the pool folder is gone: delete the file as usual.
      return unlink(path);
    }
    this.spares.push(spare);
  }
}
