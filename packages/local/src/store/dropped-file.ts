import { extname, isAbsolute, relative, sep } from 'node:path';
import { InvalidConfigError } from '@cloudport/core';
import { isStoreEntry } from './key-path.js';

// Content types a cloud console would set on upload for common data files; other extensions
// get none, as with an SDK upload that names no type.
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.csv': 'text/csv',
  '.gif': 'image/gif',
  '.gz': 'application/gzip',
  '.htm': 'text/html',
  '.html': 'text/html',
  '.jpeg': 'image/jpeg',
  '.jpg': 'image/jpeg',
  '.json': 'application/json',
  '.jsonl': 'application/x-ndjson',
  '.md': 'text/markdown',
  '.ndjson': 'application/x-ndjson',
  '.parquet': 'application/vnd.apache.parquet',
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.tsv': 'text/tab-separated-values',
  '.txt': 'text/plain',
  '.webp': 'image/webp',
  '.xml': 'application/xml',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.zip': 'application/zip',
};

/** The content type a dropped file gets from its extension, or undefined when unknown. */
export function contentTypeOf(key: string): string | undefined {
  return CONTENT_TYPES[extname(key).toLowerCase()];
}

/**
 * The key of a file dropped into the bucket folder: its path relative to the folder, with `/`
 * separators. Paths outside the folder and the store's own files are `INVALID_CONFIG`.
 */
export function droppedKey(dir: string, absPath: string, bucket: string): string {
  const rel = relative(dir, absPath);
  const outside = rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);
  if (!isAbsolute(absPath) || rel === '' || outside) {
    throw new InvalidConfigError(
      `Cannot import ${JSON.stringify(absPath)} into ${bucket}: pass the absolute path of a ` +
        `file inside the bucket folder ${dir}.`,
      { provider: 'local' },
    );
  }
  if (isStoreEntry(rel)) {
    throw new InvalidConfigError(
      `Cannot import ${JSON.stringify(absPath)} into ${bucket}: it is one of the store's own ` +
        'files (object data, sidecar or staging); check isStoreEntry() before importing.',
      { provider: 'local' },
    );
  }

  return sep === '/' ? rel : rel.split(sep).join('/');
}
