import { createHash } from 'node:crypto';
import { GROUP_BATCHES } from './sizes.js';

const pad = (value: number, width: number) => String(value).padStart(width, '0');

/** Where the pipeline keeps everything in the `reports` bucket. */
export const KEYS = {
  /** The overall report, over every file report. */
  overall: 'overall.json',
  /** One report per uploaded file. */
  fileReports: 'files/',
  fileReport: (fileId: string) => `files/${fileId}.json`,
  /** Written create-only by the parser once every message of a file is on its queue. */
  manifests: 'work/manifests/',
  manifest: (fileId: string) => `work/manifests/${fileId}.json`,
  /** One create-only aggregate per batch, filed by group: the record that a batch counts. */
  partials: (fileId: string, group: number) => `work/partials/${fileId}/${pad(group, 4)}/`,
  partial: (fileId: string, batch: number) =>
    `work/partials/${fileId}/${pad(groupOf(batch), 4)}/${pad(batch, 6)}.json`,
  /** One create-only aggregate per complete group of batches. */
  groups: (fileId: string) => `work/groups/${fileId}/`,
  group: (fileId: string, group: number) => `work/groups/${fileId}/${pad(group, 4)}.json`,
  /** One create-only marker per dead-lettered row, so a re-parse does not repeat it. */
  rejected: (fileId: string, line: number) => `work/rejected/${fileId}/${line}.json`,
} as const;

/**
 * Names one upload: a readable part from the key plus a hash of key and ETag. Re-reading the
 * same bytes gives the same id; a changed upload under the same key gives a new one.
 *
 * @example
 * toFileId('2026/orders-jan.csv', '"9b2c..."') // '2026_orders-jan.csv-4f1d0c9a8e7b6a55'
 */
export function toFileId(key: string, etag: string): string {
  const hash = createHash('sha256').update(`${key}\n${etag}`).digest('hex').slice(0, 16);
  const readable = key.replace(/[^A-Za-z0-9._-]+/g, '_').slice(-48);

  return `${readable}-${hash}`;
}

/** The number in a partial's or group's key (`.../000042.json`), or undefined for other keys. */
export function indexOfKey(key: string): number | undefined {
  const match = /\/(\d{4,})\.json$/.exec(key);

  return match ? Number(match[1]) : undefined;
}

/** The file id of a file report's or manifest's key. */
export function fileIdOfKey(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1).replace(/\.json$/, '');
}

/** The group a batch belongs to. */
export function groupOf(batch: number): number {
  return Math.floor(batch / GROUP_BATCHES);
}

/** How many groups a file of `batches` batches has. */
export function groupCount(batches: number): number {
  return Math.ceil(batches / GROUP_BATCHES);
}

/**
 * Batches in a group: a full group, or fewer for the last group once the file's batch count
 * is known from its manifest.
 */
export function groupSize(group: number, batches?: number): number {
  if (batches === undefined) return GROUP_BATCHES;

  return Math.max(0, Math.min(GROUP_BATCHES, batches - group * GROUP_BATCHES));
}
