import { createHash } from 'node:crypto';
import { type BigIntStats, close, fstat, open, read } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { InvalidKeyError } from '@cloudport/core';
import { DATA_SUFFIX, encodeKey, META_SUFFIX } from './key-path.js';
import {
  describes,
  identityOf,
  isErrno,
  readSidecar,
  type VersionRecord,
  writeSidecar,
} from './sidecar.js';

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

const openFile = promisify(open);
const statFile = promisify(fstat) as (
  fd: number,
  options: { bigint: true },
) => Promise<BigIntStats>;
const readAt = promisify(read);
/** Closes a descriptor from {@link openMatched}; a failure to close is of no use to callers. */
export const closeFile = (fd: number): Promise<void> =>
  new Promise((done) => {
    close(fd, () => done());
  });

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
    return await openFile(path, 'r');
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR', 'EISDIR')) return undefined;
    throw error;
  }
}

/**
 * Opens the data file, then reads the sidecar record describing that very file (the open
 * descriptor pins its bytes). Returns undefined when there is no data file, and null when no
 * record matches after `attempts` tries: a write replaced both files in between every time,
 * or the data file was changed by hand.
 */
export async function openMatched(
  paths: ObjectPaths,
  attempts: number,
): Promise<OpenObject | undefined | null> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (attempt > 0) await sleep(attempt);
    const fd = await openIfExists(paths.data);
    if (fd === undefined) return undefined;
    try {
      const stats = await statFile(fd, { bigint: true });
      const sidecar = await readSidecar(paths.meta);
      const record = sidecar?.versions.find((version) => describes(version, stats));
      if (record !== undefined) return { fd, record };
    } catch (error) {
      await closeFile(fd);
      throw error;
    }
    await closeFile(fd);
  }

  return null;
}

async function hashFile(fd: number): Promise<string> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(1024 * 1024);
  let position = 0;
  while (true) {
    const { bytesRead } = await readAt(fd, buffer, 0, buffer.byteLength, position);
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
  sync: boolean,
): Promise<OpenObject | undefined> {
  const fd = await openIfExists(paths.data);
  if (fd === undefined) return undefined;
  try {
    const stats = await statFile(fd, { bigint: true });
    const sidecar = await readSidecar(paths.meta);
    const known = sidecar?.versions.find((version) => describes(version, stats));
    if (known !== undefined) return { fd, record: known };

    const newest = sidecar?.versions[0];
    const record: VersionRecord = {
      ...identityOf(stats),
      etag: await hashFile(fd),
      lastModified: stats.mtime.toISOString(),
      contentType: newest?.contentType,
      metadata: newest?.metadata ?? {},
    };
    await writeSidecar(paths.meta, { key, versions: [record] }, staging, sync);

    return { fd, record };
  } catch (error) {
    await closeFile(fd);
    throw error;
  }
}
