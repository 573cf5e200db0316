import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  type CapabilityDeclaration,
  type ErrorCode,
  type FeatureId,
  type ObjectStore,
  type PutOptions,
  readAll,
  supports,
} from '@cloudport/core';
import type { TestRunner } from './runner.js';

/** Options of {@link storeConformance}. */
export interface StoreConformanceOptions {
  /** Names the suite's describe block, such as `local file store`. */
  name: string;
  /** The store's capability declaration; the suite holds the store to what it says. */
  capabilities: CapabilityDeclaration;
  /**
   * Returns a fresh, empty store. The suite calls it at the start of every test, so tests
   * never see each other's objects; a cloud store may return a new bucket or a new prefix.
   */
  create(): ObjectStore | Promise<ObjectStore>;
  /** Called after every test with the store that test created, to remove what it made. */
  cleanup?(store: ObjectStore): void | Promise<void>;
  /** Bytes of the object streamed in and out by the large-object test; 0 skips it. */
  largeObjectBytes?: number;
}

const MIB = 1024 * 1024;
/** Default size of the large streamed object. */
export const DEFAULT_LARGE_OBJECT_BYTES = 256 * MIB;
/** Most the process's RSS may grow while the large object is written or read. */
export const MAX_STREAM_RSS_GROWTH = 150 * MIB;

/** Keys every store must keep apart and give back exactly, whatever they contain. */
const AWKWARD_KEYS = [
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

function byUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function show(key: string): string {
  return JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…(${key.length} chars)` : key);
}

/** Runs `action` and checks it fails with the stable code; returns the error. */
async function failsWith(action: () => Promise<unknown>, code: ErrorCode, what: string) {
  let failure: unknown;
  try {
    await action();
  } catch (error) {
    failure = error;
  }
  assert.ok(failure !== undefined, `${what}: expected ${code}, but it succeeded`);
  const actual = (failure as { code?: unknown }).code;
  assert.equal(actual, code, `${what}: expected ${code}, got ${String(failure)}`);

  return failure as Error & { key?: string };
}

async function text(store: ObjectStore, key: string): Promise<string> {
  return (await readAll((await store.get(key)).body)).toString('utf8');
}

async function listKeys(store: ObjectStore, prefix?: string, limit?: number) {
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

async function inBatches<T>(items: T[], size: number, run: (item: T) => Promise<unknown>) {
  for (let index = 0; index < items.length; index += size) {
    await Promise.all(items.slice(index, index + size).map(run));
  }
}

function sortedUnique(keys: string[]): string[] {
  return [...new Set(keys)].sort(byUtf8);
}

/**
 * The object store conformance suite: every store, official or custom, runs it in its own
 * tests with whatever runner it uses. Assertions use `node:assert/strict` only. Features the
 * capability declaration supports (fully or partly) must pass their cases; features it declares
 * `no` must raise `UNSUPPORTED`. A range starting past the last byte must raise
 * `INVALID_CONFIG`.
 *
 * @example
 * import { describe, it } from 'vitest';
 * storeConformance({ describe, it }, {
 *   name: 'my store',
 *   capabilities: MY_CAPABILITIES,
 *   create: () => createMyStore({ bucket: `test-${randomUUID()}` }),
 * });
 */
export function storeConformance(runner: TestRunner, options: StoreConformanceOptions): void {
  const on = (feature: FeatureId) => supports(options.capabilities, feature);
  const test = (name: string, body: (store: ObjectStore) => Promise<void>, timeout?: number) =>
    runner.it(
      name,
      async () => {
        const store = await options.create();
        try {
          await body(store);
        } finally {
          await options.cleanup?.(store);
        }
      },
      timeout,
    );

  runner.describe(`${options.name}: store conformance`, () => {
    runner.describe('reads and writes', () => defineBasics(test, on));
    runner.describe('keys', () => defineKeys(test, on));
    if (on('store.create-only') || on('store.if-match')) {
      runner.describe('preconditions', () => definePreconditions(test, on));
    }
    if (on('store.metadata')) runner.describe('metadata', () => defineMetadata(test, on));
    if (on('store.range-read')) runner.describe('ranged reads', () => defineRanges(test));
    if (on('store.list')) runner.describe('listing', () => defineListing(test));
    if (on('store.copy')) runner.describe('copy', () => defineCopy(test, on));
    if (on('store.signed-url')) {
      test('signedUrl returns an http(s) URL for reading and for writing', async (store) => {
        await store.put('signed.txt', 'signed');
        for (const method of ['GET', 'PUT'] as const) {
          const url = new URL(
            await store.signedUrl('signed.txt', { method, expiresInSeconds: 60 }),
          );
          assert.match(url.protocol, /^https?:$/, `${method} URL ${url.href}`);
        }
      });
    }
    const unsupported = Object.keys(UNSUPPORTED_PROBES).filter((id) => !on(id as FeatureId));
    if (unsupported.length > 0) {
      runner.describe('declared unsupported', () => defineUnsupported(test, unsupported));
    }
    const large = options.largeObjectBytes ?? DEFAULT_LARGE_OBJECT_BYTES;
    if (large > 0 && on('store.stream-write')) {
      test(
        `streams a ${Math.round(large / MIB)} MiB object in and out with bounded memory`,
        (store) => largeObject(store, large),
        600_000,
      );
    }
  });
}

type Define = (name: string, body: (store: ObjectStore) => Promise<void>, timeout?: number) => void;
type On = (feature: FeatureId) => boolean;

function defineBasics(test: Define, on: On): void {
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

function defineKeys(test: Define, on: On): void {
  test('keys with spaces, +, %, unicode, dots and slashes round-trip exactly', async (store) => {
    for (const key of AWKWARD_KEYS) {
      const put = await store.put(key, `content of ${key}`);
      assert.equal(put.key, key, `put() of ${show(key)}`);
    }
    for (const key of AWKWARD_KEYS) {
      assert.equal(await text(store, key), `content of ${key}`, `get() of ${show(key)}`);
      assert.equal((await store.head(key)).key, key, `head() of ${show(key)}`);
    }
    if (on('store.list')) {
      assert.deepEqual(await listKeys(store), sortedUnique(AWKWARD_KEYS), 'list() of them all');
    }
  });

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
    for (const key of INVALID_KEYS) {
      const label = show(key);
      await failsWith(() => store.put(key, 'x'), 'INVALID_KEY', `put(${label})`);
      await failsWith(() => store.get(key), 'INVALID_KEY', `get(${label})`);
      await failsWith(() => store.head(key), 'INVALID_KEY', `head(${label})`);
      await failsWith(() => store.delete(key), 'INVALID_KEY', `delete(${label})`);
      if (on('store.copy')) {
        await failsWith(() => store.copy('valid.txt', key), 'INVALID_KEY', `copy to ${label}`);
      }
    }
  });
}

function definePreconditions(test: Define, on: On): void {
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

function defineMetadata(test: Define, on: On): void {
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

function defineRanges(test: Define): void {
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

function defineListing(test: Define): void {
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

function defineCopy(test: Define, on: On): void {
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

const UNSUPPORTED_PROBES: Record<string, (store: ObjectStore) => Promise<unknown>> = {
  'store.range-read': (store) => store.get('probe.txt', { range: { start: 0, end: 1 } }),
  'store.stream-write': (store) => store.put('streamed.txt', Readable.from([Buffer.from('x')])),
  'store.metadata': (store) => store.put('meta.txt', 'x', { metadata: { a: 'b' } }),
  'store.create-only': (store) => store.put('probe.txt', 'x', { createOnly: true }),
  'store.if-match': async (store) =>
    store.put('probe.txt', 'x', { ifMatch: (await store.head('probe.txt')).etag }),
  'store.list': (store) => store.list(),
  'store.copy': (store) => store.copy('probe.txt', 'copy.txt'),
  'store.signed-url': (store) => store.signedUrl('probe.txt'),
};

function defineUnsupported(test: Define, unsupported: string[]): void {
  for (const feature of unsupported) {
    test(`${feature} is declared unsupported, so using it raises UNSUPPORTED`, async (store) => {
      await store.put('probe.txt', 'probe');
      await failsWith(
        () => UNSUPPORTED_PROBES[feature]?.(store) ?? Promise.resolve(),
        'UNSUPPORTED',
        feature,
      );
    });
  }
}

/** Samples the process's RSS on a timer and on demand; growth is measured from creation. */
function trackMemory() {
  (globalThis as { gc?: () => void }).gc?.();
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const sample = (): number => {
    peak = Math.max(peak, process.memoryUsage.rss());
    return peak - baseline;
  };
  const timer = setInterval(sample, 10);

  return { sample, stop: () => clearInterval(timer) };
}

const mib = (bytes: number) => `${(bytes / MIB).toFixed(1)} MiB`;

async function largeObject(store: ObjectStore, total: number): Promise<void> {
  const block = randomBytes(MIB);
  const written = createHash('sha256');
  let produced = 0;
  let lastYield = 0;
  let memory = trackMemory();
  async function* generate() {
    for (let offset = 0; offset < total; offset += MIB) {
      const chunk = Buffer.from(block.subarray(0, Math.min(MIB, total - offset)));
      // Number each chunk so that dropped or reordered chunks change the hash.
      if (chunk.length >= 8) chunk.writeDoubleBE(offset, 0);
      written.update(chunk);
      produced += chunk.length;
      memory.sample();
      lastYield = performance.now();
      yield chunk;
    }
  }

  const writeStart = performance.now();
  try {
    await store.put('large/object.bin', generate(), { contentType: 'application/octet-stream' });
  } finally {
    memory.stop();
  }
  const writeEnd = performance.now();
  const writeGrowth = memory.sample();
  assert.equal(produced, total);
  assert.ok(
    writeGrowth < MAX_STREAM_RSS_GROWTH,
    `writing ${mib(total)} grew RSS by ${mib(writeGrowth)}: the store buffered the source`,
  );
  // A store that drains the source into memory or a spool file first does most of its work
  // after the last chunk was produced; a streaming one is nearly done by then.
  const tail = writeEnd - lastYield;
  assert.ok(
    tail <= 0.5 * (writeEnd - writeStart) + 50,
    `the put finished ${tail.toFixed(0)} ms after the source's last chunk, of ` +
      `${(writeEnd - writeStart).toFixed(0)} ms in all: it did not write while reading`,
  );

  memory = trackMemory();
  const read = createHash('sha256');
  let received = 0;
  let chunks = 0;
  let firstChunkMs = 0;
  let firstChunkBytes = 0;
  const readStart = performance.now();
  try {
    const { info, body } = await store.get('large/object.bin');
    assert.equal(info.size, total);
    for await (const chunk of body as AsyncIterable<Buffer>) {
      if (chunks === 0) {
        firstChunkMs = performance.now() - readStart;
        firstChunkBytes = chunk.length;
      }
      chunks += 1;
      received += chunk.length;
      read.update(chunk);
      memory.sample();
    }
  } finally {
    memory.stop();
  }
  const readMs = performance.now() - readStart;
  const readGrowth = memory.sample();

  assert.equal(received, total);
  assert.equal(
    read.digest('hex'),
    written.digest('hex'),
    'the bytes read differ from those written',
  );
  assert.ok(chunks > 1 && firstChunkBytes < total, 'the body arrived as one whole buffer');
  assert.ok(
    firstChunkMs <= 0.5 * readMs + 50,
    `the first ${firstChunkBytes} bytes arrived after ${firstChunkMs.toFixed(0)} ms of a ` +
      `${readMs.toFixed(0)} ms read: the store read the whole object before handing it over`,
  );
  assert.ok(
    readGrowth < MAX_STREAM_RSS_GROWTH,
    `reading ${mib(total)} grew RSS by ${mib(readGrowth)}: the store buffered the object`,
  );
}
