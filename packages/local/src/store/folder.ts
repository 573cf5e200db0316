import { randomUUID } from 'node:crypto';
import { access, mkdir, open, readdir, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { TEMP_DIR } from './key-path.js';

/** What a bucket folder needs before use: its staging folder and how it spells names. */
export interface FolderLayout {
  staging: string;
  /** True when the filesystem folds case or Unicode normalisation, see `encodeKey`. */
  fold: boolean;
}

// Staged files older than this were left by a process that died mid-write.
const STALE_STAGING_MS = 60 * 60 * 1000;

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Probes whether names that differ only in letter case or Unicode normalisation reach the same
 * file (macOS and Windows defaults); such folders get the folded name encoding.
 */
async function foldsNames(staging: string): Promise<boolean> {
  if (process.platform === 'win32') return true;
  const id = randomUUID();
  const probe = join(staging, `probe-${id}-a\u00e9`);
  await writeFile(probe, '', { flag: 'wx' });
  try {
    const upper = join(staging, `probe-${id}-A\u00e9`);
    const decomposed = join(staging, `probe-${id}-ae\u0301`);

    return (await exists(upper)) || (await exists(decomposed));
  } finally {
    await rm(probe, { force: true });
  }
}

async function sweepStaging(staging: string): Promise<void> {
  const cutoff = Date.now() - STALE_STAGING_MS;
  for (const name of await readdir(staging)) {
    const path = join(staging, name);
    const info = await stat(path).catch(() => undefined);
    if (info?.isFile() && info.mtimeMs < cutoff) await rm(path, { force: true });
  }
}

/** Creates the bucket and staging folders, probes name folding and clears stale staging. */
export async function prepareFolder(dir: string): Promise<FolderLayout> {
  const staging = join(dir, TEMP_DIR);
  await mkdir(staging, { recursive: true });
  const fold = await foldsNames(staging);
  await sweepStaging(staging);

  return { staging, fold };
}

/**
 * Removes `from` and its parents while they are empty, stopping below `root`, and tells
 * `removed` of each; S3 has no folders, so none should outlive their last object.
 */
export async function pruneEmpty(
  root: string,
  from: string,
  removed: (path: string) => void = () => undefined,
): Promise<void> {
  const top = resolve(root);
  let current = resolve(from);
  while (current.startsWith(top + sep)) {
    try {
      await rmdir(current);
    } catch {
      return;
    }
    removed(current);
    current = dirname(current);
  }
}

/** Flushes a directory's entries to disk, where the platform allows it. */
export async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r').catch(() => undefined);
  if (handle === undefined) return;
  try {
    await handle.sync();
  } catch {
    // Some platforms (Windows) refuse to flush a directory; the files were flushed already.
  } finally {
    await handle.close();
  }
}
