import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidConfigError } from '@cloudport/core';
import {
  assertKey,
  CHUNK_MARK,
  compareKeys,
  DATA_SUFFIX,
  decodeName,
  encodeKey,
  TEMP_DIR,
} from './key-path.js';

/** Options of {@link walkKeys}. */
export interface WalkOptions {
  /** The bucket folder. */
  root: string;
  fold: boolean;
  prefix: string;
  /** Yield only keys after this one. */
  after?: string | undefined;
}

interface Node {
  kind: 'file' | 'dir';
  /** The whole key of a file, or the text every key below a directory starts with. */
  text: string;
  path: string;
  /** Path components below the bucket folder, to confirm the encoding is the store's own. */
  parts: string[];
}

/** True when some key starting with `text` matches the prefix and sorts after the cursor. */
function mayContain(text: string, options: WalkOptions): boolean {
  const { prefix, after } = options;
  if (!text.startsWith(prefix) && !prefix.startsWith(text)) return false;

  return after === undefined || compareKeys(text, after) > 0 || after.startsWith(text);
}

function wanted(key: string, parts: string[], options: WalkOptions): boolean {
  if (!key.startsWith(options.prefix)) return false;
  if (options.after !== undefined && compareKeys(key, options.after) <= 0) return false;
  // A name that decodes but is not what the store would write (a folder a user made, say)
  // would be unreachable through get(); leave it out.
  const expected = encodeKey(key, options.fold);

  return expected.length === parts.length && expected.every((part, i) => part === parts[i]);
}

async function entriesOf(path: string): Promise<Dirent[]> {
  try {
    return await readdir(path, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw error;
  }
}

/**
 * Reads one directory as sortable nodes. Chunk directories (the continuation of an overlong
 * segment) are expanded in place, because their keys interleave with their siblings' keys.
 */
async function readNodes(path: string, parts: string[], text: string, options: WalkOptions) {
  const nodes: Node[] = [];
  for (const entry of await entriesOf(path)) {
    const name = entry.name;
    if (parts.length === 0 && name === TEMP_DIR) continue;
    const childPath = join(path, name);
    if (entry.isFile() && name.endsWith(DATA_SUFFIX)) {
      const base = name.slice(0, -DATA_SUFFIX.length);
      const decoded = decodeName(base, options.fold);
      if (decoded === undefined) continue;
      nodes.push({ kind: 'file', text: text + decoded, path: childPath, parts: [...parts, base] });
    } else if (entry.isDirectory()) {
      const chunked = name.endsWith(CHUNK_MARK);
      const decoded = decodeName(chunked ? name.slice(0, -CHUNK_MARK.length) : name, options.fold);
      if (decoded === undefined) continue;
      const below = chunked ? text + decoded : `${text}${decoded}/`;
      if (!mayContain(below, options)) continue;
      if (chunked) {
        nodes.push(...(await readNodes(childPath, [...parts, name], below, options)));
      } else {
        nodes.push({ kind: 'dir', text: below, path: childPath, parts: [...parts, name] });
      }
    }
  }

  return nodes.sort((a, b) => compareKeys(a.text, b.text));
}

async function* walk(
  path: string,
  parts: string[],
  text: string,
  options: WalkOptions,
): AsyncGenerator<string> {
  for (const node of await readNodes(path, parts, text, options)) {
    if (node.kind === 'dir') {
      yield* walk(node.path, node.parts, node.text, options);
    } else if (wanted(node.text, node.parts, options)) {
      yield node.text;
    }
  }
}

/**
 * Yields the keys stored under a bucket folder in the order of their UTF-8 bytes, starting
 * after `after`, limited to `prefix`; it reads only the directories that can hold such keys.
 */
export async function* walkKeys(options: WalkOptions): AsyncGenerator<string> {
  const slash = options.prefix.lastIndexOf('/');
  if (slash < 0) {
    yield* walk(options.root, [], '', options);
    return;
  }

  // Every key under "a/b/" lives in the folder that encodes "a/b", so start there.
  const head = options.prefix.slice(0, slash + 1);
  let parts: string[];
  try {
    assertKey(`${head}x`);
    parts = encodeKey(`${head}x`, options.fold).slice(0, -1);
  } catch {
    return;
  }
  yield* walk(join(options.root, ...parts), parts, head, options);
}

const CURSOR_PREFIX = 'k1.';

/** Encodes the last key of a page as an opaque cursor. */
export function toCursor(key: string): string {
  return CURSOR_PREFIX + Buffer.from(key, 'utf8').toString('base64url');
}

/** Decodes a cursor from {@link toCursor}; anything else is `INVALID_CONFIG`. */
export function fromCursor(cursor: string, bucket: string): string {
  const body = typeof cursor === 'string' ? cursor.slice(CURSOR_PREFIX.length) : '';
  const key = Buffer.from(body, 'base64url').toString('utf8');
  if (!String(cursor).startsWith(CURSOR_PREFIX) || toCursor(key) !== cursor) {
    throw new InvalidConfigError(
      `The list cursor ${JSON.stringify(cursor)} was not issued by the local store of ` +
        `${bucket}; pass the cursor of the previous page unchanged, or omit it to start over.`,
      { provider: 'local' },
    );
  }

  return key;
}

/** Maps items with at most `limit` calls in flight, keeping the input order. */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number,
  map: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));

  return results;
}
