import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ObjectStore, readAll } from '@cloudport/core';
import { afterEach, describe, it, vi } from 'vitest';
import { storeConformance } from '../../testing/src/store-suite.js';
import { LOCAL_CAPABILITIES } from '../src/capabilities.js';
import {
  createFileStore,
  type FileStore,
  type FileStoreOptions,
  isStoreEntry,
  type StoreChange,
} from '../src/store/file-store.js';
import { decodeName, encodeKey } from '../src/store/key-path.js';

// Folders whose name contains "-folded-" get the spelling used on case-insensitive filesystems
// (macOS, Windows), so that this Linux run exercises that encoding end to end as well.
vi.mock('../src/store/folder.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/store/folder.js')>();
  const prepareFolder = async (dir: string) => {
    const layout = await real.prepareFolder(dir);
    return dir.includes('-folded-') ? { ...layout, fold: true } : layout;
  };

  return { ...real, prepareFolder };
});

const made: string[] = [];

/** A store in the `bucket` folder of a fresh temporary folder. */
async function freshStore(
  options: Partial<FileStoreOptions> = {},
  kind: 'exact' | 'folded' = 'exact',
): Promise<FileStore> {
  const parent = await mkdtemp(join(tmpdir(), `cloudport-store-${kind}-`));
  made.push(parent);

  return createFileStore({ dir: join(parent, 'bucket'), bucket: 'uploads', ...options });
}

async function removeAll(): Promise<void> {
  await Promise.all(made.splice(0).map((path) => rm(path, { recursive: true, force: true })));
}

async function text(store: ObjectStore, key: string): Promise<string> {
  return (await readAll((await store.get(key)).body)).toString('utf8');
}

async function filesBelow(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });

  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

const sha256 = (data: string | Buffer) => `"${createHash('sha256').update(data).digest('hex')}"`;

/** Bytes written so far to the staging files of uploads in progress. */
async function stagedBytes(store: ObjectStore): Promise<number> {
  const staging = join((store as FileStore).dir, '.cloudport-tmp');
  let bytes = 0;
  for (const name of await readdir(staging).catch(() => [])) {
    if (name.endsWith('.data'))
      bytes += (await stat(join(staging, name)).catch(() => ({ size: 0 }))).size;
  }

  return bytes;
}

storeConformance(
  { describe, it },
  {
    name: 'local file store',
    capabilities: LOCAL_CAPABILITIES,
    create: () => freshStore(),
    cleanup: (store) => rm(dirname((store as FileStore).dir), { recursive: true, force: true }),
    uploadedBytes: stagedBytes,
  },
);

storeConformance(
  { describe, it },
  {
    name: 'local file store with case-folded names',
    capabilities: LOCAL_CAPABILITIES,
    create: () => freshStore({}, 'folded'),
    cleanup: (store) => rm(dirname((store as FileStore).dir), { recursive: true, force: true }),
    largeObjectBytes: 0,
  },
);

describe('local file store: on disk', () => {
  afterEach(removeAll);

  it('keeps a normal key readable: reports/2026/a.json under reports/2026/', async () => {
    const store = await freshStore();
    await store.put('reports/2026/a.json', '{"ok":true}', { contentType: 'application/json' });
    const folder = join(store.dir, 'reports', '2026');
    const names = await readdir(folder);
    assert.ok(names.length > 0 && names.every((name) => name.startsWith('a.json')), String(names));
    assert.equal(await readFile(join(folder, 'a.json.cpobj'), 'utf8'), '{"ok":true}');
    const sidecar = JSON.parse(await readFile(join(folder, 'a.json.cpmeta'), 'utf8'));
    assert.equal(sidecar.key, 'reports/2026/a.json');
    assert.equal(sidecar.versions[0].contentType, 'application/json');
  });

  it('stores keys with ../ and . segments inside the bucket folder only', async () => {
    const store = await freshStore();
    const keys = ['../escape.txt', '../../twice', 'a/../../../b', '..', '.', './x', '../', '.../y'];
    for (const key of keys) await store.put(key, key);
    for (const key of keys) assert.equal(await text(store, key), key);
    assert.deepEqual(await readdir(dirname(store.dir)), ['bucket']);
    for (const file of await filesBelow(store.dir))
      assert.ok(file.startsWith(`${store.dir}/`), file);
  });

  it('keeps "a", "a/b" and "a/" apart: folders never collide with object files', async () => {
    const store = await freshStore();
    for (const key of ['a', 'a/b', 'a/', 'a.cpobj', 'a.cpobj/c', 'a.cpmeta/d']) {
      await store.put(key, key);
    }
    for (const key of ['a', 'a/b', 'a/', 'a.cpobj', 'a.cpobj/c', 'a.cpmeta/d']) {
      assert.equal(await text(store, key), key);
    }
  });

  it('streams into the staging file while the source is still producing', async () => {
    const store = await freshStore();
    const staging = join(store.dir, '.cloudport-tmp');
    let stagedBytesMidway = 0;
    async function* source() {
      for (let index = 0; index < 32; index++) {
        if (index === 16) {
          await sleep(50);
          for (const name of await readdir(staging)) {
            if (name.endsWith('.data')) stagedBytesMidway += (await stat(join(staging, name))).size;
          }
        }
        yield Buffer.alloc(1024 * 1024, index);
      }
    }
    await store.put('streamed.bin', source());
    assert.ok(
      stagedBytesMidway >= 8 * 1024 * 1024,
      `${stagedBytesMidway} bytes staged by chunk 16`,
    );
    assert.equal((await store.head('streamed.bin')).size, 32 * 1024 * 1024);
  });

  it('a reader during a slow overwrite sees the old object whole, then the new one', async () => {
    const store = await freshStore();
    const old = Buffer.alloc(1024 * 1024, 'a');
    await store.put('doc.bin', old, { metadata: { version: '1' } });
    let writing = true;
    async function* slowly() {
      for (let index = 0; index < 16; index++) {
        await sleep(5);
        yield Buffer.alloc(64 * 1024, 'b');
      }
    }
    const write = store.put('doc.bin', slowly(), { metadata: { version: '2' } }).finally(() => {
      writing = false;
    });
    let oldReads = 0;
    while (writing) {
      const { info, body } = await store.get('doc.bin');
      const bytes = await readAll(body);
      if (info.metadata.version === '1') {
        assert.ok(bytes.equals(old), 'the old version came back changed');
        oldReads += 1;
      } else {
        assert.ok(
          bytes.equals(Buffer.alloc(1024 * 1024, 'b')),
          'the new version came back changed',
        );
      }
      assert.equal(info.etag, sha256(bytes), 'data and sidecar are of different versions');
    }
    await write;
    assert.ok(oldReads > 0, 'no read overlapped the write');
    assert.equal((await store.head('doc.bin')).metadata.version, '2');
  });

  it('never pairs data with the metadata of another version during rapid overwrites', async () => {
    const store = await freshStore();
    await store.put('hot.txt', 'version 0', { metadata: { version: '0' } });
    let done = false;
    const reader = async () => {
      let reads = 0;
      while (!done) {
        const { info, body } = await store.get('hot.txt');
        const content = (await readAll(body)).toString('utf8');
        assert.equal(content, `version ${info.metadata.version}`);
        assert.equal(info.etag, sha256(content));
        reads += 1;
      }
      return reads;
    };
    const readers = Array.from({ length: 4 }, reader);
    for (let version = 1; version <= 300; version++) {
      await store.put('hot.txt', `version ${version}`, { metadata: { version: String(version) } });
    }
    done = true;
    const reads = await Promise.all(readers);
    assert.ok(reads.every((count) => count > 0));
  });

  it('two store instances on one folder let exactly one createOnly put win', async () => {
    const first = await freshStore();
    const second = createFileStore({ dir: first.dir, bucket: 'uploads' });
    const results = await Promise.allSettled(
      [first, second, first, second].map((store, index) =>
        store.put('shared.txt', `writer ${index}`, { createOnly: true }),
      ),
    );
    assert.equal(results.filter((result) => result.status === 'fulfilled').length, 1);
  });

  it('adopts a data file edited by hand, with a fresh ETag and the old metadata', async () => {
    const store = await freshStore();
    await store.put('notes.txt', 'typed by the pipeline', { metadata: { owner: 'ana' } });
    await writeFile(join(store.dir, 'notes.txt.cpobj'), 'edited by hand');
    const head = await store.head('notes.txt');
    assert.equal(head.etag, sha256('edited by hand'));
    assert.deepEqual(head.metadata, { owner: 'ana' });
    assert.equal(await text(store, 'notes.txt'), 'edited by hand');
  });

  it('writes capitals as !x where the folder folds case, so Q1 and q1 stay apart', async () => {
    const store = await freshStore({}, 'folded');
    await store.put('Reports/Q1.csv', 'upper');
    await store.put('reports/q1.csv', 'lower');
    assert.deepEqual((await readdir(store.dir)).sort(), ['!reports', '.cloudport-tmp', 'reports']);
    assert.ok((await readdir(join(store.dir, '!reports'))).includes('!q1.csv.cpobj'));
    assert.equal(await text(store, 'Reports/Q1.csv'), 'upper');
  });

  it('spells names case-canonically on case-folding filesystems', () => {
    const upper = encodeKey('Reports/Q1.CSV', true);
    const lower = encodeKey('reports/q1.csv', true);
    assert.notDeepEqual(
      upper.map((part) => part.toLowerCase()),
      lower.map((part) => part.toLowerCase()),
    );
    assert.deepEqual(upper, ['!reports', '!q1.!c!s!v']);
    assert.deepEqual(encodeKey('CON', true), ['!c!o!n']);
    assert.deepEqual(encodeKey('con', true), ['%63on']);
    assert.deepEqual(encodeKey('é/a:b', true), ['%C3%A9', 'a%3Ab']);
    assert.deepEqual(encodeKey('reports/2026/a.json', false), ['reports', '2026', 'a.json']);
    for (const part of ['!reports', '!q1.!c!s!v', '%C3%A9', 'a%3Ab']) {
      assert.equal(encodeKey(decodeName(part, true) ?? '', true)[0], part);
    }
  });
});

describe('local file store: hooks', () => {
  afterEach(removeAll);

  it('calls beforeCommit with the staged facts before the object becomes visible', async () => {
    const changes: StoreChange[] = [];
    const visible: boolean[] = [];
    const store: FileStore = await freshStore({
      hooks: {
        beforeCommit: async (change) => {
          changes.push(change);
          const key = change.type === 'created' ? change.info.key : change.key;
          visible.push(
            await store.head(key).then(
              () => true,
              () => false,
            ),
          );
        },
      },
    });
    const put = await store.put('events/a.txt', 'hello', { contentType: 'text/plain' });
    await store.delete('events/a.txt');
    await store.delete('events/a.txt');

    assert.deepEqual(
      visible,
      [false, true],
      'not yet visible when created; still visible when deleted',
    );
    assert.equal(changes.length, 2, 'deleting a missing key records no change');
    const [created, deleted] = changes;
    assert.equal(created?.type, 'created');
    if (created?.type === 'created') {
      assert.equal(created.info.etag, put.etag);
      assert.equal(created.info.size, 5);
      assert.equal(created.info.contentType, 'text/plain');
    }
    assert.deepEqual(deleted, { type: 'deleted', key: 'events/a.txt' });
  });

  it('a throwing beforeCommit leaves no object, no staging file and no folders', async () => {
    const failure = new Error('journal unavailable');
    let fail = true;
    const store = await freshStore({
      hooks: {
        beforeCommit: async () => {
          if (fail) throw failure;
        },
      },
    });
    await assert.rejects(store.put('deep/folder/a.txt', 'lost'), (error) => error === failure);
    await assert.rejects(store.head('deep/folder/a.txt'), { code: 'OBJECT_NOT_FOUND' });
    assert.deepEqual(await readdir(store.dir), ['.cloudport-tmp']);
    assert.deepEqual(await readdir(join(store.dir, '.cloudport-tmp')), []);

    fail = false;
    await store.put('kept.txt', 'version 1');
    fail = true;
    await assert.rejects(store.put('kept.txt', 'version 2'), (error) => error === failure);
    await assert.rejects(store.delete('kept.txt'), (error) => error === failure);
    assert.equal(await text(store, 'kept.txt'), 'version 1');
  });

  it('importDroppedFile turns a dropped file into an object through the hooks', async () => {
    const changes: StoreChange[] = [];
    const store = await freshStore({ hooks: { beforeCommit: async (c) => void changes.push(c) } });
    const dropped = join(store.dir, 'inbox', '100%', 'drop me.csv');
    await mkdir(dirname(dropped), { recursive: true });
    await writeFile(dropped, 'id,name\n1,ana\n');
    assert.equal(isStoreEntry('inbox/100%/drop me.csv'), false);

    const result = await store.importDroppedFile(dropped);
    assert.equal(result.key, 'inbox/100%/drop me.csv');
    assert.equal(await text(store, 'inbox/100%/drop me.csv'), 'id,name\n1,ana\n');
    assert.equal((await store.head(result.key)).contentType, 'text/csv');
    assert.equal(changes[0]?.type, 'created');
    await assert.rejects(stat(dropped), { code: 'ENOENT' });
    await assert.rejects(
      stat(dirname(dropped)),
      { code: 'ENOENT' },
      'the emptied folder is pruned',
    );
  });

  it('isStoreEntry tells store files from dropped ones', () => {
    const cases: Array<[string, boolean]> = [
      ['reports/a.json.cpobj', true],
      ['reports/a.json.cpmeta', true],
      ['.cloudport-tmp/1234.data', true],
      ['.cloudport-tmp', true],
      ['reports/a.json', false],
      ['a.cpobj.txt', false],
      ['inbox/new file.csv', false],
    ];
    for (const [path, expected] of cases) assert.equal(isStoreEntry(path), expected, path);
  });

  it('importDroppedFile refuses store files and paths outside the folder', async () => {
    const store = await freshStore();
    await store.put('a.txt', 'a');
    const refuse = { code: 'INVALID_CONFIG' };
    await assert.rejects(store.importDroppedFile(join(store.dir, 'a.txt.cpobj')), refuse);
    await assert.rejects(store.importDroppedFile(join(dirname(store.dir), 'x.txt')), refuse);
    await assert.rejects(store.importDroppedFile(join(store.dir, 'missing.txt')), refuse);
  });
});

describe('local file store: validation and limits', () => {
  afterEach(removeAll);

  it('rejects a relative dir and a missing bucket name up front', () => {
    assert.throws(() => createFileStore({ dir: 'relative/dir', bucket: 'b' }), {
      code: 'INVALID_CONFIG',
    });
    assert.throws(() => createFileStore({ dir: '/tmp/x', bucket: '' }), { code: 'INVALID_CONFIG' });
  });

  it('enforces the metadata budget of the chosen provider profile', async () => {
    const aws = await freshStore({ profile: 'aws' });
    const gcp = await freshStore({ profile: 'gcp' });
    const metadata = { notes: 'x'.repeat(3000) };
    await assert.rejects(aws.put('m.txt', 'x', { metadata }), { code: 'INVALID_CONFIG' });
    await gcp.put('m.txt', 'x', { metadata });
    await aws.put('m.txt', 'x', { metadata: { notes: 'x'.repeat(1000) } });
  });

  it('rejects bad ranges, cursors, limits, options and data with INVALID_CONFIG', async () => {
    const store = await freshStore();
    await store.put('r.txt', '0123456789');
    const invalid = { code: 'INVALID_CONFIG' };
    await assert.rejects(store.get('r.txt', { range: { start: -1 } }), invalid);
    await assert.rejects(store.get('r.txt', { range: { start: 5, end: 4 } }), invalid);
    await assert.rejects(store.get('r.txt', { range: { start: 1.5 } }), invalid);
    await assert.rejects(store.list({ cursor: 'not-a-cursor' }), invalid);
    await assert.rejects(store.list({ limit: 0 }), invalid);
    await assert.rejects(store.put('x', 'x', { createOnly: true, ifMatch: '"e"' }), invalid);
    await assert.rejects(store.put('x', 42 as unknown as string), invalid);
    await assert.rejects(store.put('x', 'x', { metadata: { '': 'empty name' } }), invalid);
  });

  it('an aborted streaming put leaves no object and no staging file', async () => {
    const store = await freshStore();
    const controller = new AbortController();
    async function* source() {
      yield Buffer.alloc(1024);
      controller.abort();
      yield Buffer.alloc(1024);
    }
    await assert.rejects(store.put('aborted.bin', source(), { signal: controller.signal }), {
      name: 'AbortError',
    });
    await assert.rejects(store.head('aborted.bin'), { code: 'OBJECT_NOT_FOUND' });
    assert.deepEqual(await readdir(join(store.dir, '.cloudport-tmp')), []);
  });
});
