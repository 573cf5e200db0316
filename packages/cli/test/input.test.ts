import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ObjectInfo,
  ObjectNotFoundError,
  type ObjectStore,
  type PutData,
  type PutOptions,
  readAll,
} from '@cloudport/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyInput, INPUT_HASH_METADATA, listInputFiles } from '../src/input.js';
import { tempDir } from './helpers.js';

/** An in-memory store that records every put, enough for copyInput. */
function memoryStore(): ObjectStore & { puts: string[]; objects: Map<string, ObjectInfo> } {
  const objects = new Map<string, ObjectInfo>();
  const puts: string[] = [];
  const unused = () => Promise.reject(new Error('not used by copyInput'));

  return {
    bucket: 'uploads',
    puts,
    objects,
    async head(key: string) {
      const info = objects.get(key);
      if (!info) throw new ObjectNotFoundError('uploads', key);
      return info;
    },
    async put(key: string, data: PutData, options?: PutOptions) {
      const body = await readAll(data as AsyncIterable<Uint8Array>);
      puts.push(key);
      objects.set(key, {
        key,
        size: body.length,
        etag: `etag-${puts.length}`,
        lastModified: new Date(),
        metadata: options?.metadata ?? {},
      });
      return { key, etag: `etag-${puts.length}` };
    },
    get: unused,
    list: unused,
    delete: unused,
    copy: unused,
    signedUrl: unused,
  };
}

let work: Awaited<ReturnType<typeof tempDir>>;

beforeEach(async () => {
  work = await tempDir();
  await mkdir(join(work.path, '2026', 'jan'), { recursive: true });
  await mkdir(join(work.path, '.git'));
  await writeFile(join(work.path, 'b.csv'), 'b');
  await writeFile(join(work.path, 'a.csv'), 'a');
  await writeFile(join(work.path, '2026', 'jan', 'c.csv'), 'c');
  await writeFile(join(work.path, '.DS_Store'), 'x');
  await writeFile(join(work.path, '.git', 'HEAD'), 'x');
});

afterEach(() => work.remove());

describe('listInputFiles', () => {
  it('lists files recursively in key order, with / separators, leaving out dot names', async () => {
    const files = await listInputFiles(work.path);

    expect(files.map((file) => file.key)).toEqual(['2026/jan/c.csv', 'a.csv', 'b.csv']);
    expect(files[0]?.path).toBe(join(work.path, '2026', 'jan', 'c.csv'));
  });
});

describe('copyInput', () => {
  it('puts every file, recording its SHA-256 in the metadata', async () => {
    const store = memoryStore();
    const files = await listInputFiles(work.path);

    const result = await copyInput(store, files);

    expect(result).toEqual({ copied: 3, skipped: 0 });
    expect(store.puts.sort()).toEqual(['2026/jan/c.csv', 'a.csv', 'b.csv']);
    expect(store.objects.get('a.csv')?.metadata[INPUT_HASH_METADATA]).toBe(
      'ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb',
    );
  });

  it('skips files already copied unchanged, and copies changed ones again', async () => {
    const store = memoryStore();
    await copyInput(store, await listInputFiles(work.path));
    store.puts.length = 0;
    await writeFile(join(work.path, 'b.csv'), 'B');

    const result = await copyInput(store, await listInputFiles(work.path));

    expect(result).toEqual({ copied: 1, skipped: 2 });
    expect(store.puts).toEqual(['b.csv']);
  });

  it('copies again an object that was put without the hash record', async () => {
    const store = memoryStore();
    await store.put('a.csv', 'a');
    store.puts.length = 0;

    const result = await copyInput(store, await listInputFiles(work.path));

    expect(result).toEqual({ copied: 3, skipped: 0 });
  });

  it('reports each file and stops when the signal aborts', async () => {
    const store = memoryStore();
    const controller = new AbortController();
    const seen: number[] = [];
    await mkdir(join(work.path, 'many'));
    for (let i = 0; i < 12; i++) await writeFile(join(work.path, 'many', `${i}.csv`), `${i}`);
    const files = await listInputFiles(join(work.path, 'many'));

    const copying = copyInput(store, files, {
      signal: controller.signal,
      onFile: (done) => {
        seen.push(done);
        controller.abort();
      },
    });

    await expect(copying).rejects.toThrow();
    expect(seen.length).toBeGreaterThanOrEqual(1);
    expect(seen.length).toBeLessThan(files.length);
  });
});
