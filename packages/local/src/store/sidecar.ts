import { randomUUID } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ObjectInfo } from '@cloudport/core';
import {
  closeFd,
  openFd,
  readSmallFile,
  removeFile,
  renamePath,
  statOpenFd,
  syncFd,
  truncateFd,
  writeAll,
} from './descriptors.js';

/**
 * One version of an object as its sidecar records it. The identity fields (inode, size and
 * modification time of the data file) tie the record to the exact file it describes.
 */
export interface VersionRecord {
  ino: string;
  size: number;
  mtimeNs: string;
  etag: string;
  lastModified: string;
  contentType?: string | undefined;
  metadata: Record<string, string>;
}

/**
 * The JSON sidecar beside each data file. It lists the newest version first and keeps the one
 * before it, so that a reader holding the previous data file still finds its metadata while a
 * write replaces both files.
 */
export interface Sidecar {
  key: string;
  versions: VersionRecord[];
}

/** True when errors like this one carry the given Node errno code. */
export function isErrno(error: unknown, ...codes: string[]): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;

  return code !== undefined && codes.includes(code);
}

/**
 * Opens a staging file for writing and resolves to its descriptor: a new file (failing if it
 * exists) or a spare, opened as it is; write into a spare with {@link fillSpare}'s help.
 * Recreates the folder first when someone removed it while the store was running.
 */
export async function openStaged(path: string, spare = false): Promise<number> {
  const flags = spare ? 'r+' : 'wx';
  try {
    return await openFd(path, flags);
  } catch (error) {
    if (!isErrno(error, 'ENOENT')) throw error;
    await mkdir(dirname(path), { recursive: true });

    // A spare someone removed meanwhile is simply made again.
    return openFd(path, spare ? 'w' : flags);
  }
}

/**
 * Cuts a spare to the `length` bytes just written into it and returns its stats. A spare is
 * opened without truncation and cut after the write, because ext4 flushes a file that was
 * truncated to nothing and rewritten as soon as it is closed (its safeguard for files replaced
 * in place), which would cost a disk write per object.
 */
export async function fillSpare(fd: number, length: number): Promise<BigIntStats> {
  const stats = statOpenFd(fd);
  if (stats.size <= BigInt(length)) return stats;
  await truncateFd(fd, length);

  return statOpenFd(fd);
}

/** The record fields that identify the data file behind `stats`. */
export function identityOf(stats: BigIntStats): Pick<VersionRecord, 'ino' | 'size' | 'mtimeNs'> {
  return { ino: String(stats.ino), size: Number(stats.size), mtimeNs: String(stats.mtimeNs) };
}

/** True when the record describes the data file behind `stats`. */
export function describes(record: VersionRecord, stats: BigIntStats): boolean {
  return (
    record.ino === String(stats.ino) &&
    record.size === Number(stats.size) &&
    record.mtimeNs === String(stats.mtimeNs)
  );
}

/** The neutral description of one stored version. */
export function toInfo(key: string, record: VersionRecord): ObjectInfo {
  return {
    key,
    size: record.size,
    etag: record.etag,
    lastModified: new Date(record.lastModified),
    contentType: record.contentType,
    metadata: { ...record.metadata },
  };
}

function isRecord(value: unknown): value is VersionRecord {
  const record = value as VersionRecord | null;

  return (
    typeof record === 'object' &&
    record !== null &&
    typeof record.ino === 'string' &&
    typeof record.size === 'number' &&
    typeof record.mtimeNs === 'string' &&
    typeof record.etag === 'string' &&
    typeof record.lastModified === 'string' &&
    typeof record.metadata === 'object' &&
    record.metadata !== null
  );
}

/**
 * Reads a sidecar; a missing or unreadable one reads as undefined, which callers treat like a
 * data file with no matching record.
 */
export async function readSidecar(path: string): Promise<Sidecar | undefined> {
  try {
    return await readSmallFile(path, parseSidecar);
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return undefined;
    throw error;
  }
}

function parseSidecar(bytes: Buffer): Sidecar | undefined {
  try {
    const parsed = JSON.parse(bytes.toString('utf8')) as Sidecar;
    const versions = Array.isArray(parsed.versions) ? parsed.versions.filter(isRecord) : [];

    return { key: String(parsed.key), versions };
  } catch {
    return undefined;
  }
}

/** Writes a whole file through a descriptor that `create` opens (a spare, with `spare`). */
async function writeNew(
  create: () => Promise<number>,
  bytes: Buffer,
  options: { sync: boolean; spare: boolean },
) {
  const fd = await create();
  try {
    await writeAll(fd, [bytes], 0);
    if (options.spare) await fillSpare(fd, bytes.length);
    if (options.sync) await syncFd(fd);
  } finally {
    await closeFd(fd);
  }
}

/** Options of {@link writeSidecar}. */
export interface SidecarWriteOptions {
  sync: boolean;
  /** The key has no data file, so no reader can look for its sidecar yet. */
  fresh?: boolean;
  /** A spare file to stage the sidecar in instead of a new one. */
  spare?: string | undefined;
}

/**
 * Replaces a sidecar atomically: the JSON goes to a staging file first (a spare, if given)
 * and is then renamed over the old one, so readers see either the old or the new sidecar,
 * never a mix.
 *
 * With `fresh` and no spare, the sidecar is created in place instead, saving the rename; if a
 * sidecar is already there (one left behind by a crash), it is replaced atomically as usual.
 * A failed write in place removes its partial file.
 */
export async function writeSidecar(
  path: string,
  sidecar: Sidecar,
  stagingDir: string,
  options: SidecarWriteOptions,
): Promise<void> {
  const bytes = Buffer.from(`${JSON.stringify(sidecar, null, 2)}\n`, 'utf8');
  if (options.fresh && options.spare === undefined) {
    let created = false;
    const create = async () => {
      const fd = await openFd(path, 'wx');
      created = true;
      return fd;
    };
    try {
      await writeNew(create, bytes, { sync: options.sync, spare: false });
      return;
    } catch (error) {
      if (created) await removeFile(path);
      if (!isErrno(error, 'EEXIST')) throw error;
    }
  }

  const { spare } = options;
  const staged = spare ?? join(stagingDir, `${randomUUID()}.meta`);
  try {
    const fromSpare = spare !== undefined;
    await writeNew(() => openStaged(staged, fromSpare), bytes, { ...options, spare: fromSpare });
    await renamePath(staged, path);
  } catch (error) {
    await removeFile(staged);
    throw error;
  }
}
