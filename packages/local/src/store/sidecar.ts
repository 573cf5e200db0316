import { randomUUID } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import { type FileHandle, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ObjectInfo } from '@cloudport/core';

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
 * Creates a new file for writing, failing if it exists; recreates the staging folder first
 * when someone removed it while the store was running.
 */
export async function createExclusive(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'wx');
  } catch (error) {
    if (!isErrno(error, 'ENOENT')) throw error;
    await mkdir(dirname(path), { recursive: true });

    return open(path, 'wx');
  }
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
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return undefined;
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Sidecar;
    const versions = Array.isArray(parsed.versions) ? parsed.versions.filter(isRecord) : [];

    return { key: String(parsed.key), versions };
  } catch {
    return undefined;
  }
}

/**
 * Replaces a sidecar atomically: the JSON goes to a staging file first and is then renamed
 * over the old one, so readers see either the old or the new sidecar, never a mix.
 */
export async function writeSidecar(
  path: string,
  sidecar: Sidecar,
  stagingDir: string,
  sync: boolean,
): Promise<void> {
  const staged = join(stagingDir, `${randomUUID()}.meta`);
  const handle = await createExclusive(staged);
  try {
    await handle.writeFile(`${JSON.stringify(sidecar, null, 2)}\n`, 'utf8');
    if (sync) await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(staged, path);
  } catch (error) {
    await rm(staged, { force: true });
    throw error;
  }
}
