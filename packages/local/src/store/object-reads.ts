import { createReadStream } from 'node:fs';
import { addAbortSignal, Readable } from 'node:stream';
import {
  type GetOptions,
  InvalidConfigError,
  type ListOptions,
  type ListPage,
  type ObjectContent,
  type ObjectInfo,
} from '@cloudport/core';
import { readRange } from './descriptors.js';
import { fromCursor, mapConcurrent, toCursor, walkKeys } from './list-walk.js';
import { closeFile } from './object-files.js';
import { toInfo } from './sidecar.js';
import type { StoreContext } from './store-context.js';
import { checkRange, fitRange, pageLimit } from './validate.js';

/**
 * Bytes per chunk of a read. On a busy machine fewer, larger chunks cost the reader, and
 * whatever it pipes into, noticeably less CPU than the 64 KiB default of fs streams.
 */
export const READ_CHUNK_BYTES = 1024 * 1024;
const LIST_CONCURRENCY = 16;

/**
 * Ranges up to this many bytes are read when the object is opened and served from memory,
 * which spares a file stream (and its calls) per small read; longer ones stream from disk.
 */
export const SMALL_READ_BYTES = 64 * 1024;

/** A stream over an inclusive byte range of an open data file, which it closes. */
async function bodyStream(fd: number, range: { start: number; end: number }): Promise<Readable> {
  const length = range.end - range.start + 1;
  if (length > SMALL_READ_BYTES) {
    const highWaterMark = Math.min(READ_CHUNK_BYTES, length);
    return createReadStream('', { fd, ...range, highWaterMark, autoClose: true });
  }
  try {
    const bytes = length > 0 ? await readRange(fd, range.start, length) : undefined;
    return Readable.from(bytes ? [bytes] : [], { objectMode: false });
  } finally {
    closeFile(fd);
  }
}

/**
 * Opens an object for streaming; the descriptor pins this version until the body closes (or,
 * for a small range, until its bytes are read, right away).
 */
export async function getObject(
  context: StoreContext,
  key: string,
  options: GetOptions,
): Promise<ObjectContent> {
  context.checkKey(key);
  checkRange(key, options.range);
  options.signal?.throwIfAborted();

  const { fd, record } = await context.openExisting(key);
  const info = toInfo(key, record);
  let range: { start: number; end: number };
  try {
    range = fitRange(key, context.bucket, options.range, info.size);
  } catch (error) {
    closeFile(fd);
    throw error;
  }
  const body = await bodyStream(fd, range);
  if (options.signal) addAbortSignal(options.signal, body);

  return { info, body };
}

/** Describes an object without reading it. */
export async function headObject(context: StoreContext, key: string): Promise<ObjectInfo> {
  context.checkKey(key);
  const { fd, record } = await context.openExisting(key);
  closeFile(fd);

  return toInfo(key, record);
}

async function infoOf(context: StoreContext, key: string): Promise<ObjectInfo | undefined> {
  const record = await context.current(key, await context.paths(key), false);

  return record && toInfo(key, record);
}

/** One page of keys in UTF-8 byte order, read from the folder tree. */
export async function listObjects(context: StoreContext, options: ListOptions): Promise<ListPage> {
  const prefix = options.prefix ?? '';
  if (typeof prefix !== 'string') {
    throw new InvalidConfigError(`The list prefix must be a string, not ${typeof prefix}.`, {
      provider: 'local',
    });
  }
  const limit = pageLimit(options.limit);
  const after =
    options.cursor === undefined ? undefined : fromCursor(options.cursor, context.bucket);
  const { fold } = await context.ready();

  // One key past the page tells whether another page follows.
  const keys: string[] = [];
  for await (const key of walkKeys({ root: context.dir, fold, prefix, after })) {
    keys.push(key);
    if (keys.length > limit) break;
  }
  const page = keys.slice(0, limit);
  const infos = await mapConcurrent(page, LIST_CONCURRENCY, (key) => infoOf(context, key));
  const last = page.at(-1);

  return {
    // An object deleted since the walk saw it is left out, so a page may run short.
    objects: infos.filter((info): info is ObjectInfo => info !== undefined),
    cursor: keys.length > limit && last !== undefined ? toCursor(last) : undefined,
  };
}

/** Counts the objects under a prefix from the folder tree alone, opening no object. */
export async function countObjects(context: StoreContext, prefix: string): Promise<number> {
  if (typeof prefix !== 'string') {
    throw new InvalidConfigError(`The count prefix must be a string, not ${typeof prefix}.`, {
      provider: 'local',
    });
  }
  const { fold } = await context.ready();
  let count = 0;
  for await (const _key of walkKeys({ root: context.dir, fold, prefix })) count += 1;

  return count;
}
