import { randomBytes } from 'node:crypto';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidConfigError, type Logger, ProviderError } from '@cloudport/core';

/** The file in a queue folder that names the process owning the folder. */
export const LOCK_FILE = 'lock';

/** A held lock on a queue folder. */
export interface QueueLock {
  readonly path: string;
  /** Deletes the lock file if it still names this process. */
  release(): Promise<void>;
}

/**
 * Takes the lock of a queue folder: the file `lock` holding the owner's process id.
 *
 * A lock whose process no longer runs is stale and taken over, with a warning. The check
 * asks the operating system whether the process exists, so a stale lock whose process id was
 * reused by an unrelated program still blocks; delete the file by hand then. Two processes
 * taking over the same stale lock at the same instant are not guarded against.
 */
export async function acquireLock(dir: string, logger: Logger): Promise<QueueLock> {
  const path = join(dir, LOCK_FILE);
  const mine = String(process.pid);
  if (await tryCreate(path, mine)) return heldLock(path, mine);

  const owner = await readOwner(path);
  if (owner !== undefined && isRunning(owner)) throw lockedError(dir, path, owner);
  const aside = `${path}.stale-${mine}-${randomBytes(3).toString('hex')}`;
  await rename(path, aside).catch((cause: unknown) => failure(path, cause));
  const moved = await readOwner(aside);
  if (moved !== owner) {
    // Another process replaced the stale lock between our read and our rename: put it back.
    await rename(aside, path).catch((cause: unknown) => failure(path, cause));
    throw lockedError(dir, path, moved ?? 0);
  }
  await unlink(aside).catch((cause: unknown) => failure(aside, cause));
  if (!(await tryCreate(path, mine))) throw lockedError(dir, path, (await readOwner(path)) ?? 0);
  logger.warn('took over the stale lock of a queue folder', { dir, stalePid: owner ?? null });

  return heldLock(path, mine);
}

function heldLock(path: string, mine: string): QueueLock {
  return {
    path,
    async release() {
      if (String(await readOwner(path)) !== mine) return;
      await unlink(path).catch((cause: unknown) => {
        if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') failure(path, cause);
      });
    },
  };
}

async function tryCreate(path: string, pid: string): Promise<boolean> {
  try {
    await writeFile(path, `${pid}\n`, { flag: 'wx' });
    return true;
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'EEXIST') return false;
    return failure(path, cause);
  }
}

/** The process id in a lock file; undefined when the file is gone, empty or unreadable. */
async function readOwner(path: string): Promise<number | undefined> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const pid = Number.parseInt(text.trim(), 10);

  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lockedError(dir: string, path: string, pid: number): InvalidConfigError {
  const who =
    pid === process.pid ? 'this process (close the other LocalQueue first)' : `process ${pid}`;

  return new InvalidConfigError(
    `Queue folder ${dir} is already open in ${who}; one process owns a queue folder at a ` +
      `time. If that process is not a cloudport queue, delete ${path}.`,
    { provider: 'local' },
  );
}

function failure(path: string, cause: unknown): never {
  const code = (cause as NodeJS.ErrnoException).code ?? 'unknown';
  throw new ProviderError(`Local queue could not use its lock file ${path} (${code}).`, {
    provider: 'local',
    cause,
  });
}
