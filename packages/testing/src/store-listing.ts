import assert from 'node:assert/strict';
import type { FeatureId, PutOptions } from '@cloudport/core';
import { failsWith } from './assertions.js';
import { byUtf8, type Define, inBatches, listKeys, type On, text } from './store-helpers.js';

/** Listing order, prefixes and pagination. */
export function defineListing(test: Define): void {
  test('an empty store lists no objects and no cursor', async (store) => {
    const page = await store.list();
    assert.deepEqual(page.objects, []);
    assert.equal(page.cursor, undefined);
  });

  test('list orders keys by UTF-8 bytes, not by JavaScript string order', async (store) => {
    const keys = ['b', 'a0', 'a/b', 'a.txt', 'a-c', 'a', 'Z', 'é', '\uff61', '😀', 'a b'];
    for (const key of keys) await store.put(key, key);
    assert.deepEqual(await listKeys(store), [...keys].sort(byUtf8));
    assert.deepEqual(await listKeys(store, undefined, 2), [...keys].sort(byUtf8));
  });

  test('prefix listing matches on characters, not only on folders', async (store) => {
    const keys = ['rep', 'repo.txt', 'reports/a', 'reports/b/c', 'reportsx', 'other', 'Rep'];
    for (const key of keys) await store.put(key, key);
    assert.deepEqual(await listKeys(store, 'rep'), [
      'rep',
      'repo.txt',
      'reports/a',
      'reports/b/c',
      'reportsx',
    ]);
    assert.deepEqual(await listKeys(store, 'reports/'), ['reports/a', 'reports/b/c']);
    assert.deepEqual(await listKeys(store, 'reports/b/c'), ['reports/b/c']);
    assert.deepEqual(await listKeys(store, 'nothing'), []);
  });

  test('paginating 2,500 keys with small pages returns each key once, in order', async (store) => {
    const marks = ['a', 'Z', 'é', '😀', '+', '%', ' ', '-', '.'];
    const keys = Array.from({ length: 2500 }, (_, index) => {
      const folder = String(index % 40).padStart(2, '0');
      return `many/${folder}/${index}${marks[index % marks.length]}.txt`;
    });
    await inBatches(keys, 32, (key) => store.put(key, key));
    const expected = [...keys].sort(byUtf8);

    const small = await listKeys(store, 'many/', 7);
    assert.equal(new Set(small).size, small.length, 'no key is listed twice');
    assert.deepEqual(small, expected);
    assert.deepEqual(await listKeys(store), expected);
    assert.deepEqual(
      await listKeys(store, 'many/07/', 5),
      expected.filter((key) => key.startsWith('many/07/')),
    );

    const first = await store.list();
    assert.ok(first.objects.length >= 1 && first.objects.length <= 1000);
    assert.notEqual(first.cursor, undefined, 'a full default page has a cursor');
  }, 300_000);
}

/** Server-side copies with their metadata and preconditions. */
export function defineCopy(test: Define, on: On): void {
  const metadata = { owner: 'ana' };

  test('copy from a missing source raises OBJECT_NOT_FOUND naming the source', async (store) => {
    const error = await failsWith(
      () => store.copy('nope.txt', 'target.txt'),
      'OBJECT_NOT_FOUND',
      'copy',
    );
    assert.equal(error.key, 'nope.txt');
    await failsWith(() => store.head('target.txt'), 'OBJECT_NOT_FOUND', 'target after copy');
  });

  test('copy duplicates content, content type and metadata and keeps the source', async (store) => {
    const described = { contentType: 'application/json', metadata };
    await store.put('source.json', '{"a":1}', on('store.metadata') ? described : {});
    const result = await store.copy('source.json', 'copies/target.json');
    assert.equal(result.key, 'copies/target.json');
    assert.equal(await text(store, 'copies/target.json'), '{"a":1}');
    assert.equal(await text(store, 'source.json'), '{"a":1}');
    if (on('store.metadata')) {
      const head = await store.head('copies/target.json');
      assert.equal(head.contentType, 'application/json');
      assert.deepEqual(head.metadata, metadata);
    }
  });

  if (on('store.metadata')) {
    test('copy with a content type and metadata replaces them on the target', async (store) => {
      await store.put('source.txt', 'text', { contentType: 'text/plain', metadata });
      await store.copy('source.txt', 'target.txt', {
        contentType: 'text/markdown',
        metadata: { owner: 'bo', reviewed: 'yes' },
      });
      const head = await store.head('target.txt');
      assert.equal(head.contentType, 'text/markdown');
      assert.deepEqual(head.metadata, { owner: 'bo', reviewed: 'yes' });
      assert.deepEqual((await store.head('source.txt')).metadata, metadata);
    });
  }

  const preconditions: Array<[FeatureId, string, (etag: string) => PutOptions]> = [
    ['store.create-only', 'createOnly', () => ({ createOnly: true })],
    ['store.if-match', 'a stale ifMatch', (etag) => ({ ifMatch: etag })],
  ];
  for (const [feature, name, build] of preconditions) {
    if (!on(feature)) continue;
    test(`copy onto a target with ${name} raises PRECONDITION_FAILED`, async (store) => {
      await store.put('source.txt', 'source');
      const stale = await store.put('target.txt', 'target v1');
      await store.put('target.txt', 'target v2');
      await failsWith(
        () => store.copy('source.txt', 'target.txt', build(stale.etag)),
        'PRECONDITION_FAILED',
        name,
      );
      assert.equal(await text(store, 'target.txt'), 'target v2');
    });
  }
}
