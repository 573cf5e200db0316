import assert from 'node:assert/strict';
import { type FeatureId, type ObjectStore, readAll } from '@cloudport/core';

/** Registers one store case: `body` gets a fresh store, cleaned up afterwards. */
export type Define = (
  name: string,
  body: (store: ObjectStore) => Promise<void>,
  timeout?: number,
) => void;

/** True when the store declares the feature supported, fully or in part. */
export type On = (feature: FeatureId) => boolean;

export const MIB = 1024 * 1024;

/** Orders keys by their UTF-8 bytes, as S3, Cloud Storage and Azure list them. */
export function byUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** A key as a test message names it: quoted, long ones cut short. */
export function show(key: string): string {
  return JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…(${key.length} chars)` : key);
}

/** Reads an object whole as UTF-8 text. */
export async function text(store: ObjectStore, key: string): Promise<string> {
  return (await readAll((await store.get(key)).body)).toString('utf8');
}

/** Lists every key under `prefix`, page by page, checking the page size and the cursor. */
export async function listKeys(store: ObjectStore, prefix?: string, limit?: number) {
  const keys: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await store.list({ prefix, cursor, limit });
    pages += 1;
    assert.ok(page.objects.length <= (limit ?? 1000), `a page holds ${page.objects.length}`);
    assert.ok(pages < 10_000, 'listing never ended: the cursor keeps coming back');
    keys.push(...page.objects.map((info) => info.key));
    cursor = page.cursor;
  } while (cursor !== undefined);

  return keys;
}

/** Runs `run` on every item, `size` at a time. */
export async function inBatches<T>(items: T[], size: number, run: (item: T) => Promise<unknown>) {
  for (let index = 0; index < items.length; index += size) {
    await Promise.all(items.slice(index, index + size).map(run));
  }
}

/** The keys without duplicates, in listing order. */
export function sortedUnique(keys: string[]): string[] {
  return [...new Set(keys)].sort(byUtf8);
}

/** Sizes as test messages show them. */
export const mib = (bytes: number) => `${(bytes / MIB).toFixed(1)} MiB`;
