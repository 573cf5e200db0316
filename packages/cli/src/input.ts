import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isCloudportError, type ObjectInfo, type ObjectStore } from '@cloudport/core';

/** User metadata under which `cloudport run` records the SHA-256 of each input file it copies. */
export const INPUT_HASH_METADATA = 'cloudport-input-sha256';

const COPY_CONCURRENCY = 4;

/** A file of the input directory and the object key it is copied to. */
export interface InputFile {
  path: string;
  /** The path relative to the input directory, with `/` separators. */
  key: string;
}

/** Options of {@link copyInput}. */
export interface CopyInputOptions {
  /** Called after each file, copied or skipped. */
  onFile?: (done: number) => void;
  signal?: AbortSignal;
}

/** How many files were written and how many were already in the bucket unchanged. */
export interface CopyInputResult {
  copied: number;
  skipped: number;
}

/**
 * Lists the files under `directory`, recursively, in key order. Names starting with `.`
 * (`.DS_Store`, `.gitkeep`, `.git/`) are left out; symbolic links are followed.
 */
export async function listInputFiles(directory: string, prefix = ''): Promise<InputFile[]> {
  const files: InputFile[] = [];
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const path = join(directory, entry.name);
    const key = `${prefix}${entry.name}`;
    const isLink = entry.isSymbolicLink();
    const info = isLink ? await stat(path).catch(() => undefined) : entry;
    if (info?.isDirectory()) files.push(...(await listInputFiles(path, `${key}/`)));
    else if (info?.isFile()) files.push({ path, key });
  }

  return files.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * Copies input files into a bucket with `put`, so each write fires the bucket's object events.
 *
 * A file is skipped when the bucket already holds its key with the same size and the same
 * SHA-256, as recorded in the {@link INPUT_HASH_METADATA} metadata of an earlier copy; a second
 * run therefore re-fires events only for new or changed files. Objects put there by other means
 * carry no such record and are copied again.
 */
export async function copyInput(
  store: ObjectStore,
  files: readonly InputFile[],
  options: CopyInputOptions = {},
): Promise<CopyInputResult> {
  const result: CopyInputResult = { copied: 0, skipped: 0 };
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      options.signal?.throwIfAborted();
      const file = files[next++]!;
      const copied = await copyFile(store, file);
      if (copied) result.copied++;
      else result.skipped++;
      options.onFile?.(result.copied + result.skipped);
    }
  };
  const workers = Array.from({ length: Math.min(COPY_CONCURRENCY, files.length) }, worker);
  await Promise.all(workers);

  return result;
}

async function copyFile(store: ObjectStore, file: InputFile): Promise<boolean> {
  const [hash, size, existing] = await Promise.all([
    hashFile(file.path),
    stat(file.path).then((info) => info.size),
    headOrUndefined(store, file.key),
  ]);
  if (existing?.size === size && existing.metadata[INPUT_HASH_METADATA] === hash) return false;

  await store.put(file.key, createReadStream(file.path), {
    metadata: { [INPUT_HASH_METADATA]: hash },
  });

  return true;
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);

  return hash.digest('hex');
}

async function headOrUndefined(store: ObjectStore, key: string): Promise<ObjectInfo | undefined> {
  try {
    return await store.head(key);
  } catch (error) {
    if (isCloudportError(error, 'OBJECT_NOT_FOUND')) return undefined;
    throw error;
  }
}
