import { createHash } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidKeyError } from '@cloudport/core';
import { openFd, readFd, releaseFd, statOpenFd } from './descriptors.js';
import { DATA_SUFFIX, encodeKey, META_SUFFIX } from './key-path.js';
import {
  describes,
  identityOf,
  isErrno,
  readSidecar,
  type Sidecar,
  type VersionRecord,
  writeSidecar,
} from './sidecar.js';
import type { SidecarCache } from './sidecar-cache.js';

/** Where one object lives: its folder, data file and sidecar. */
export interface ObjectPaths {
  parent: string;
  data: string;
  meta: string;
}

/**
 * An open data file (a raw descriptor, so that a read stream can own and close it) and the
 * sidecar record that describes exactly that file. Whoever receives it closes `fd`.
 */
export interface OpenObject {
  fd: number;
  record: VersionRecord;
}

/** Closes a descriptor from {@link openMatched}, which was only read from. */
export const closeFile = releaseFd;

/** The files of a key below a bucket folder; the encoding never leaves the folder. */
export function objectPaths(dir: string, key: string, fold: boolean): ObjectPaths {
  const parts = encodeKey(key, fold);
  const base = parts.pop() ?? '';
  const parent = join(dir, ...parts);
  const data = join(parent, base + DATA_SUFFIX);
  // The encoding escapes "." and ".." segments, so this holds by construction; checking it
  // anyway keeps a future encoding bug from writing outside the bucket folder.
  const root = resolve(dir);
  if (!resolve(data).startsWith(root.endsWith(sep) ? root : root + sep)) {
    throw new InvalidKeyError(key, 'it would resolve outside the bucket folder.');
  }

  return { parent, data, meta: join(parent, base + META_SUFFIX) };
}

async function openIfExists(path: string): Promise<number | undefined> {
  try {
    return await openFd(path, 'r');
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR', 'EISDIR')) return undefined;
    throw error;
  }
}

/** The record describing the data file behind `stats`: from memory if cached, else from disk. */
async function recordOf(
  paths: ObjectPaths,
  stats: BigIntStats,
  sidecars: SidecarCache,
): Promise<VersionRecord | undefined> {
  const cached = sidecars.get(paths.meta);
  const known = cached?.versions.find((version) => describes(version, stats));
  if (known !== undefined) return known;
  const sidecar = await readSidecar(paths.meta);
  if (sidecar === undefined) {
    sidecars.delete(paths.meta);
    return undefined;
  }
  sidecars.set(paths.meta, sidecar);

  return sidecar.versions.find((version) => describes(version, stats));
}

/**
 * Opens the data file, then finds the sidecar record describing that very file (the open
 * descriptor pins its bytes). Returns undefined when there is no data file, and null when no
 * record matches after `attempts` tries: a write replaced both files in between every time,
 * or the data file was changed by hand.
 */
export async function openMatched(
  paths: ObjectPaths,
  attempts: number,
  sidecars: SidecarCache,
): Promise<OpenObject | undefined | null> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (attempt > 0) await sleep(attempt);
    const fd = await openIfExists(paths.data);
    if (fd === undefined) return undefined;
    try {
      const stats = statOpenFd(fd);
      const record = await recordOf(paths, stats, sidecars);
      if (record !== undefined) return { fd, record };
    } catch (error) {
      closeFile(fd);
      throw error;
    }
    closeFile(fd);
  }

  return null;
}

async function hashFile(fd: number): Promise<string> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(1024 * 1024);
  let position = 0;
  while (true) {
    const { bytesRead } = await readFd(fd, buffer, 0, buffer.byteLength, position);
    if (bytesRead === 0) break;
    hash.update(buffer.subarray(0, bytesRead));
    position += bytesRead;
  }

  return `"${hash.digest('hex')}"`;
}

/**
 * Takes in a data file that no sidecar record describes (edited or replaced by hand): hashes
 * it for a fresh ETag, keeps the newest known content type and metadata, and records it.
 * Callers hold the key's lock.
 */
export async function adoptObject(
  key: string,
  paths: ObjectPaths,
  staging: string,
  options: { sync: boolean; sidecars: SidecarCache },
): Promise<OpenObject | undefined> {
  const { sync, sidecars } = options;
  const fd = await openIfExists(paths.data);
  if (fd === undefined) return undefined;
  try {
    const stats = statOpenFd(fd);
    const sidecar = await readSidecar(paths.meta);
    const known = sidecar?.versions.find((version) => describes(version, stats));
    if (known !== undefined) {
      sidecars.set(paths.meta, sidecar as Sidecar);
      return { fd, record: known };
    }

    const newest = sidecar?.versions[0];
    const record: VersionRecord = {
      ...identityOf(stats),
      etag: await hashFile(fd),
      lastModified: stats.mtime.toISOString(),
      contentType: newest?.contentType,
      metadata: newest?.metadata ?? {},
    };
    const adopted = { key, versions: [record] };
    sidecars.delete(paths.meta);
    await writeSidecar(paths.meta, adopted, staging, { sync });
    sidecars.set(paths.meta, adopted);

    return { fd, record };
  } catch (error) {
    closeFile(fd);
    throw error;
  }
}
