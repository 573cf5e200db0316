import assert from 'node:assert/strict';
import type { ObjectStore } from '@cloudport/core';
import { failsWith } from './assertions.js';
import { type Define, listKeys, type On, show, sortedUnique, text } from './store-helpers.js';

/** Keys every store must keep apart and give back exactly, whatever they contain. */
export const AWKWARD_KEYS: ReadonlyArray<string> = [
  'with space.txt',
  'plus+sign.txt',
  'percent%.txt',
  'encoded%2B.txt',
  '%',
  'ünï/ç ødé 🚀.txt',
  'deep/nested/folders/file.json',
  'ends-with-slash/',
  '/leading-slash',
  'double//slash',
  '../escape',
  'a/../../b',
  './here',
  '.',
  '..',
  'Case.txt',
  'case.txt',
  'quote\'"`.txt',
  'back\\slash',
  'colon:star*question?.txt',
  'trailing dot.',
  'trailing space ',
  'CON',
  'nul.txt',
  'k'.repeat(1024),
  '🚀'.repeat(256),
  '%'.repeat(1024),
  `${'a/'.repeat(511)}z`,
];

/** Keys no store accepts: empty, control characters, over 1,024 bytes, not UTF-8. */
const INVALID_KEYS = [
  '',
  'nul\u0000byte',
  'line\nbreak',
  'delete\u007fchar',
  'x'.repeat(1025),
  'é'.repeat(513),
  'lone\ud800surrogate',
  '\udc00trailing',
];

/** Checks that every operation on `key` fails with INVALID_KEY, before touching anything. */
async function refusesEverywhere(store: ObjectStore, key: string, on: On): Promise<void> {
  const label = show(key);
  await failsWith(() => store.put(key, 'x'), 'INVALID_KEY', `put(${label})`);
  await failsWith(() => store.get(key), 'INVALID_KEY', `get(${label})`);
  await failsWith(() => store.head(key), 'INVALID_KEY', `head(${label})`);
  await failsWith(() => store.delete(key), 'INVALID_KEY', `delete(${label})`);
  if (on('store.copy')) {
    await failsWith(() => store.copy('valid.txt', key), 'INVALID_KEY', `copy to ${label}`);
    await failsWith(() => store.copy(key, 'valid-copy.txt'), 'INVALID_KEY', `copy ${label}`);
  }
}

/**
 * Key cases. `refused` lists keys the provider refuses although others accept them (Cloud
 * Storage refuses `.` and `..`): they leave the round trip and must raise INVALID_KEY instead.
 */
export function defineKeys(test: Define, on: On, refused: ReadonlyArray<string> = []): void {
  const kept = AWKWARD_KEYS.filter((key) => !refused.includes(key));

  test('keys with spaces, +, %, unicode, dots and slashes round-trip exactly', async (store) => {
    for (const key of kept) {
      const put = await store.put(key, `content of ${key}`);
      assert.equal(put.key, key, `put() of ${show(key)}`);
    }
    for (const key of kept) {
      assert.equal(await text(store, key), `content of ${key}`, `get() of ${show(key)}`);
      assert.equal((await store.head(key)).key, key, `head() of ${show(key)}`);
    }
    if (on('store.list')) {
      assert.deepEqual(await listKeys(store), sortedUnique(kept), 'list() of them all');
    }
  });

  if (refused.length > 0) {
    test('keys the provider refuses raise INVALID_KEY on every operation', async (store) => {
      await store.put('valid.txt', 'valid');
      for (const key of refused) await refusesEverywhere(store, key, on);
      if (on('store.list')) assert.deepEqual(await listKeys(store), ['valid.txt']);
    });
  }

  test('"a" beside "a/b" beside "a/": three distinct objects', async (store) => {
    await store.put('a', 'file a');
    await store.put('a/b', 'file a/b');
    await store.put('a/', 'file a/');
    assert.equal(await text(store, 'a'), 'file a');
    assert.equal(await text(store, 'a/b'), 'file a/b');
    assert.equal(await text(store, 'a/'), 'file a/');
    await store.delete('a');
    assert.equal(await text(store, 'a/b'), 'file a/b');
    await failsWith(() => store.head('a'), 'OBJECT_NOT_FOUND', 'head of deleted "a"');
    await store.delete('a/b');
    assert.equal(await text(store, 'a/'), 'file a/');
  });

  test('invalid keys raise INVALID_KEY on every operation', async (store) => {
    await store.put('valid.txt', 'valid');
    for (const key of INVALID_KEYS) await refusesEverywhere(store, key, on);
  });
}
