import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { type FeatureId, type ObjectStore, readAll } from '@cloudport/core';
import { failsWith } from './assertions.js';
import type { Define } from './store-helpers.js';

/** How the suite writes through a signed PUT URL; see `StoreConformanceOptions.signedPut`. */
export type SignedPut = false | { headers?: Record<string, string> };

const EVERY_BYTE = Uint8Array.from({ length: 512 }, (_, index) => (index * 7) % 256);

/** Fetches signed URLs: a GET gives the bytes, a PUT stores new ones. */
export function defineSignedUrls(test: Define, put: SignedPut = {}): void {
  test('a signed GET URL serves the object bytes to a plain fetch', async (store) => {
    await store.put('signed/read.bin', EVERY_BYTE, { contentType: 'application/octet-stream' });
    const url = await store.signedUrl('signed/read.bin', { method: 'GET', expiresInSeconds: 60 });
    assert.match(new URL(url).protocol, /^https?:$/, `GET URL ${url}`);
    const response = await fetch(url);
    assert.equal(response.status, 200, `GET ${url} answered ${response.status}`);
    assert.deepEqual(new Uint8Array(await response.arrayBuffer()), EVERY_BYTE);
  });

  if (put === false) return;
  test('a signed PUT URL stores new bytes that the store then reads', async (store) => {
    await store.put('signed/replaced.bin', 'old content');
    for (const key of ['signed/written.bin', 'signed/replaced.bin']) {
      const url = await store.signedUrl(key, { method: 'PUT', expiresInSeconds: 60 });
      const response = await fetch(url, {
        method: 'PUT',
        body: EVERY_BYTE,
        headers: put.headers ?? {},
      });
      await response.arrayBuffer();
      assert.ok(response.ok, `PUT ${url} answered ${response.status}`);
      const { body } = await store.get(key);
      assert.deepEqual(new Uint8Array(await readAll(body)), EVERY_BYTE, `${key} after the PUT`);
    }
  });
}

/** One call per feature that must raise UNSUPPORTED when the store declares it `no`. */
export const STORE_PROBES: Readonly<Record<string, (store: ObjectStore) => Promise<unknown>>> = {
  'store.range-read': (store) => store.get('probe.txt', { range: { start: 0, end: 1 } }),
  'store.stream-write': async (store) => {
    await failsWith(
      () => store.put('streamed.txt', Readable.from([Buffer.from('x')])),
      'UNSUPPORTED',
      'a put from a Node Readable',
    );
    await failsWith(
      () => store.put('streamed.txt', new Blob(['x']).stream()),
      'UNSUPPORTED',
      'a put from a Web ReadableStream',
    );
    return store.put(
      'streamed.txt',
      (async function* () {
        yield Buffer.from('x');
      })(),
    );
  },
  'store.metadata': (store) => store.put('meta.txt', 'x', { metadata: { a: 'b' } }),
  'store.create-only': (store) => store.put('probe.txt', 'x', { createOnly: true }),
  'store.if-match': async (store) =>
    store.put('probe.txt', 'x', { ifMatch: (await store.head('probe.txt')).etag }),
  'store.list': (store) => store.list(),
  'store.copy': (store) => store.copy('probe.txt', 'copy.txt'),
  'store.signed-url': (store) => store.signedUrl('probe.txt'),
};

/** Features declared `no`: using each raises UNSUPPORTED, and a refused write stores nothing. */
export function defineUnsupported(test: Define, unsupported: FeatureId[]): void {
  for (const feature of unsupported) {
    const probe = STORE_PROBES[feature];
    if (!probe) continue;
    test(`${feature} is declared unsupported, so using it raises UNSUPPORTED`, async (store) => {
      await store.put('probe.txt', 'probe');
      await failsWith(() => probe(store), 'UNSUPPORTED', feature);
      if (feature === 'store.stream-write') {
        await failsWith(() => store.head('streamed.txt'), 'OBJECT_NOT_FOUND', 'a refused write');
      }
    });
  }
}
