import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAll } from '@cloudport/core';
import { afterEach, describe, expect, it } from 'vitest';
import { readSmallFile } from '../src/store/descriptors.js';
import { createFileStore, type FileStore } from '../src/store/file-store.js';
import { SidecarCache } from '../src/store/sidecar-cache.js';

const made: string[] = [];

async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cloudport-files-'));
  made.push(dir);

  return dir;
}

async function freshStore(): Promise<FileStore> {
  return createFileStore({ dir: join(await freshDir(), 'bucket'), bucket: 'uploads' });
}

async function text(store: FileStore, key: string): Promise<string> {
  return (await readAll((await store.get(key)).body)).toString('utf8');
}

afterEach(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('local file store: files on disk', () => {
  it('leaves no staged file after puts, overwrites, create-only puts and copies', async () => {
    const store = await freshStore();
    await store.put('a.txt', 'one');
    await store.put('a.txt', 'two');
    await store.put('b.txt', 'three', { createOnly: true });
    await store.copy('a.txt', 'c/d.txt');

    expect(await readdir(join(store.dir, '.cloudport-tmp'))).toEqual([]);
    expect(await text(store, 'c/d.txt')).toBe('two');
  });

  it('replaces a sidecar a crash left without its data file', async () => {
    const store = await freshStore();
    await store.put('x.csv', 'first');
    await store.delete('x.csv');
    await store.put('keep.csv', 'keeps the folder');
    await writeFile(join(store.dir, 'x.csv.cpmeta'), '{"key":"x.csv","versions":[{"et');
    await store.put('x.csv', 'second', { contentType: 'text/csv', metadata: { run: '2' } });

    const info = await store.head('x.csv');
    expect(info).toMatchObject({ contentType: 'text/csv', metadata: { run: '2' }, size: 6 });
    const sidecar = JSON.parse(await readFile(join(store.dir, 'x.csv.cpmeta'), 'utf8'));
    expect(sidecar.versions).toHaveLength(1);
  });

  it('makes a folder again when it was removed behind the store', async () => {
    const store = await freshStore();
    await store.put('reports/a.csv', 'a');
    await rm(join(store.dir, 'reports'), { recursive: true });
    await store.put('reports/b.csv', 'b');

    expect(await text(store, 'reports/b.csv')).toBe('b');
    await store.delete('reports/b.csv');
    await store.put('reports/c.csv', 'c');
    expect(await text(store, 'reports/c.csv')).toBe('c');
  });

  it('reports metadata another instance wrote, never a remembered old version', async () => {
    const first = await freshStore();
    const second = createFileStore({ dir: first.dir, bucket: 'uploads' });
    await first.put('shared.csv', 'old', { metadata: { writer: 'first' } });
    await second.put('shared.csv', 'new!', { metadata: { writer: 'second' } });

    expect((await first.head('shared.csv')).metadata).toEqual({ writer: 'second' });
    expect(await text(first, 'shared.csv')).toBe('new!');
  });

  it('counts objects by prefix, without the staging folder or lone sidecars', async () => {
    const store = await freshStore();
    for (const key of ['a/1', 'a/2', 'a/b/3', 'b/4', 'c']) await store.put(key, key);
    await writeFile(join(store.dir, 'lone.cpmeta'), '{}');

    expect(await store.countObjects()).toBe(5);
    expect(await store.countObjects('a/')).toBe(3);
    expect(await store.countObjects('a/b')).toBe(1);
    expect(await store.countObjects('z')).toBe(0);
    expect((await store.list()).objects).toHaveLength(5);
  });
});

describe('local file store: small reads and the sidecar cache', () => {
  it('reads a file larger than its first read whole', async () => {
    const path = join(await freshDir(), 'big.json');
    const content = JSON.stringify({ pad: 'x'.repeat(40_000) });
    await writeFile(path, content);
    const parse = (bytes: Buffer) => {
      try {
        return JSON.parse(bytes.toString('utf8')) as { pad: string };
      } catch {
        return undefined;
      }
    };

    expect((await readSmallFile(path, parse))?.pad).toHaveLength(40_000);
    expect(await readSmallFile(path, () => undefined)).toBeUndefined();
  });

  it('drops the least recently used sidecar once past its byte budget', () => {
    // Each of these costs a little over 256 bytes, so three fit and a fourth does not.
    const cache = new SidecarCache(1_000);
    const sidecar = (key: string) => ({ key, versions: [] });
    for (const key of ['a', 'b', 'c']) cache.set(`/${key}`, sidecar(key));
    cache.get('/a');
    cache.set('/d', sidecar('d'));

    expect(cache.size).toBe(3);
    expect(cache.get('/b')).toBeUndefined();
    for (const key of ['a', 'c', 'd']) expect(cache.get(`/${key}`)?.key).toBe(key);
  });
});
