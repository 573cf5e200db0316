import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { readAll } from '@cloudport/core';
import { failsWith } from './assertions.js';
import { type Define, type On, text } from './store-helpers.js';

/** Reads, writes, overwrites, streams in and deletes. */
export function defineBasics(test: Define, on: On): void {
  test('get, head of a missing key raise OBJECT_NOT_FOUND naming the key', async (store) => {
    const error = await failsWith(() => store.get('missing.txt'), 'OBJECT_NOT_FOUND', 'get');
    assert.equal(error.key, 'missing.txt');
    await failsWith(() => store.head('missing.txt'), 'OBJECT_NOT_FOUND', 'head');
  });

  test('put then get returns the same text, and put, get and head agree', async (store) => {
    const put = await store.put('hello.txt', 'hello, world');
    const { info, body } = await store.get('hello.txt');
    assert.ok(body instanceof Readable, 'get() body is a Node Readable');
    assert.equal((await readAll(body)).toString('utf8'), 'hello, world');
    const head = await store.head('hello.txt');
    assert.equal(put.key, 'hello.txt');
    assert.equal(info.key, 'hello.txt');
    assert.equal(head.size, 12);
    assert.equal(info.size, 12);
    assert.equal(head.etag, put.etag);
    assert.equal(info.etag, put.etag);
    assert.ok(head.lastModified instanceof Date && !Number.isNaN(head.lastModified.getTime()));
  });

  test('binary data with every byte value comes back unchanged', async (store) => {
    const bytes = Uint8Array.from({ length: 1024 }, (_, index) => index % 256);
    await store.put('bytes.bin', bytes);
    assert.deepEqual(new Uint8Array(await readAll((await store.get('bytes.bin')).body)), bytes);
    assert.equal((await store.head('bytes.bin')).size, 1024);
  });

  test('an empty object has size 0 and reads back empty', async (store) => {
    await store.put('empty', '');
    assert.equal((await store.head('empty')).size, 0);
    assert.equal((await readAll((await store.get('empty')).body)).length, 0);
  });

  test('overwriting replaces the content and changes the ETag', async (store) => {
    const first = await store.put('doc.txt', 'first version');
    const second = await store.put('doc.txt', 'second, longer version');
    assert.notEqual(second.etag, first.etag);
    assert.equal(await text(store, 'doc.txt'), 'second, longer version');
    assert.equal((await store.head('doc.txt')).etag, second.etag);
  });

  if (on('store.stream-write')) {
    test('put takes a Node Readable, a Web ReadableStream or an async iterable', async (store) => {
      const parts = ['alpha ', 'beta ', 'gamma'].map((part) => Buffer.from(part));
      await store.put('node.txt', Readable.from(parts));
      let next = 0;
      const web = new ReadableStream<Uint8Array>({
        pull(controller) {
          const part = parts[next++];
          if (part === undefined) controller.close();
          else controller.enqueue(new Uint8Array(part));
        },
      });
      await store.put('web.txt', web);
      await store.put(
        'iterable.txt',
        (async function* () {
          yield* parts;
        })(),
      );
      for (const key of ['node.txt', 'web.txt', 'iterable.txt']) {
        assert.equal(await text(store, key), 'alpha beta gamma', key);
      }
    });
  }

  test('delete removes the object, and deleting a missing key succeeds', async (store) => {
    await store.put('gone.txt', 'bye');
    await store.delete('gone.txt');
    await failsWith(() => store.head('gone.txt'), 'OBJECT_NOT_FOUND', 'head after delete');
    await failsWith(() => store.get('gone.txt'), 'OBJECT_NOT_FOUND', 'get after delete');
    await store.delete('gone.txt');
    await store.delete('never-existed.txt');
  });
}

/** Create-only and if-match writes, alone and racing. */
export function definePreconditions(test: Define, on: On): void {
  if (on('store.create-only')) {
    test('createOnly writes a new key and refuses an existing one', async (store) => {
      await store.put('once.txt', 'original', { createOnly: true });
      await failsWith(
        () => store.put('once.txt', 'intruder', { createOnly: true }),
        'PRECONDITION_FAILED',
        'second createOnly put',
      );
      assert.equal(await text(store, 'once.txt'), 'original');
    });

    test('of 8 concurrent createOnly puts to one key exactly one wins', async (store) => {
      const attempts = await Promise.allSettled(
        Array.from({ length: 8 }, (_, index) =>
          store.put('race.txt', `writer ${index}`, { createOnly: true }),
        ),
      );
      const winners = attempts.flatMap((result, index) =>
        result.status === 'fulfilled' ? [index] : [],
      );
      assert.equal(winners.length, 1, `winners: ${winners.join(', ')}`);
      for (const result of attempts) {
        if (result.status === 'rejected') {
          assert.equal((result.reason as { code?: string }).code, 'PRECONDITION_FAILED');
        }
      }
      assert.equal(await text(store, 'race.txt'), `writer ${winners[0]}`);
    });
  }

  if (on('store.if-match')) {
    test('ifMatch writes over the matching version and refuses a stale one', async (store) => {
      const first = await store.put('versioned.txt', 'v1');
      const second = await store.put('versioned.txt', 'v2', { ifMatch: first.etag });
      await failsWith(
        () => store.put('versioned.txt', 'v3', { ifMatch: first.etag }),
        'PRECONDITION_FAILED',
        'put with a stale ETag',
      );
      assert.equal(await text(store, 'versioned.txt'), 'v2');
      assert.equal((await store.head('versioned.txt')).etag, second.etag);
      await failsWith(
        () => store.put('absent.txt', 'x', { ifMatch: first.etag }),
        'PRECONDITION_FAILED',
        'ifMatch on a missing key',
      );
    });

    test('of 8 concurrent ifMatch puts on one version exactly one wins', async (store) => {
      const { etag } = await store.put('counter.txt', '0');
      const attempts = await Promise.allSettled(
        Array.from({ length: 8 }, (_, index) =>
          store.put('counter.txt', `${index + 1}`, { ifMatch: etag }),
        ),
      );
      const winners = attempts.filter((result) => result.status === 'fulfilled');
      assert.equal(winners.length, 1, `${winners.length} writers won`);
    });
  }
}

/** Content type and metadata round trips. */
export function defineMetadata(test: Define, on: On): void {
  const metadata = { owner: 'ana', stage: 'raw data' };

  test('content type and metadata round-trip through head and get', async (store) => {
    await store.put('meta.csv', 'a,b\n1,2\n', { contentType: 'text/csv', metadata });
    const head = await store.head('meta.csv');
    assert.equal(head.contentType, 'text/csv');
    assert.deepEqual(head.metadata, metadata);
    const { info, body } = await store.get('meta.csv');
    body.destroy();
    assert.equal(info.contentType, 'text/csv');
    assert.deepEqual(info.metadata, metadata);
  });

  test('an overwrite replaces metadata instead of merging it', async (store) => {
    await store.put('meta.txt', 'one', { contentType: 'text/plain', metadata });
    await store.put('meta.txt', 'two', { contentType: 'text/markdown', metadata: { v: '2' } });
    const head = await store.head('meta.txt');
    assert.equal(head.contentType, 'text/markdown');
    assert.deepEqual(head.metadata, { v: '2' });
  });

  if (on('store.list')) {
    test('listed objects carry the same size and ETag as head', async (store) => {
      await store.put('listed/a.txt', 'aaa', { metadata });
      const [listed] = (await store.list({ prefix: 'listed/' })).objects;
      const head = await store.head('listed/a.txt');
      assert.equal(listed?.size, head.size);
      assert.equal(listed?.etag, head.etag);
    });
  }
}

/** Ranged reads, inclusive at both ends. */
export function defineRanges(test: Define): void {
  const bytes = Buffer.from(Array.from({ length: 1000 }, (_, index) => index % 251));
  const cases: Array<[string, { start: number; end?: number }, Buffer]> = [
    ['from a start to the end', { start: 990 }, bytes.subarray(990)],
    ['a start-end span, both inclusive', { start: 10, end: 19 }, bytes.subarray(10, 20)],
    ['a single byte', { start: 500, end: 500 }, bytes.subarray(500, 501)],
    ['the last byte', { start: 999 }, bytes.subarray(999)],
    ['an end past the last byte, to the end', { start: 995, end: 5000 }, bytes.subarray(995)],
  ];

  test('ranged reads return exactly the bytes asked for', async (store) => {
    await store.put('range.bin', bytes);
    for (const [name, range, expected] of cases) {
      const { info, body } = await store.get('range.bin', { range });
      assert.deepEqual(await readAll(body), expected, name);
      assert.equal(info.size, 1000, `${name}: info.size is the whole object's`);
    }
  });

  test('a range starting past the last byte raises INVALID_CONFIG', async (store) => {
    await store.put('range.bin', bytes);
    await failsWith(
      () => store.get('range.bin', { range: { start: 1000 } }),
      'INVALID_CONFIG',
      'range from 1000 of 1000 bytes',
    );
  });
}
