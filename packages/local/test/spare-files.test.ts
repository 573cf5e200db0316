import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAll } from '@cloudport/core';
import { afterEach, describe, expect, it } from 'vitest';
import { openLocalQueue } from '../src/queue/index.js';
import { SpareFiles } from '../src/spare-files.js';
import { createFileStore } from '../src/store/file-store.js';

const made: string[] = [];

async function freshDir(base = tmpdir()): Promise<string> {
  const dir = await mkdtemp(join(base, 'cloudport-spares-'));
  made.push(dir);

  return dir;
}

afterEach(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('spare files', () => {
  it('keeps retired files up to its limit, deletes the rest, and hands each out once', async () => {
    const dir = await freshDir();
    const spares = await SpareFiles.open(join(dir, 'spare'), 2);
    for (const name of ['a', 'b', 'c']) {
      await writeFile(join(dir, name), name);
      await spares.retire(join(dir, name));
    }

    expect(spares.size).toBe(2);
    expect((await readdir(join(dir, 'spare'))).length).toBe(2);
    expect(await readdir(dir)).toEqual(['spare']);
    const taken = [spares.take(), spares.take()];
    expect(new Set(taken).size).toBe(2);
    expect(spares.take()).toBeUndefined();
  });

  it('takes the files already in its folder as spares when it opens', async () => {
    const dir = await freshDir();
    const first = await SpareFiles.open(dir);
    await writeFile(join(dir, 'left'), 'x');
    await first.retire(join(dir, 'left'));
    const reopened = await SpareFiles.open(dir);

    expect(reopened.size).toBe(1);
  });

  it('deletes a retired file when its folder is gone', async () => {
    const dir = await freshDir();
    const spares = await SpareFiles.open(join(dir, 'spare'));
    await rm(join(dir, 'spare'), { recursive: true });
    await writeFile(join(dir, 'done'), 'x');
    await spares.retire(join(dir, 'done'));

    expect(existsSync(join(dir, 'done'))).toBe(false);
    expect(spares.size).toBe(0);
  });
});

describe('spare files in queues and stores', () => {
  it('keeps completed message files as spares and writes new messages into them', async () => {
    const dir = await freshDir();
    const spares = await SpareFiles.open(join(dir, 'spare'));
    const options = { dir: join(dir, 'queue'), name: 'jobs', body: 'json' as const, spares };
    const queue = await openLocalQueue<{ n: number }>(options);
    for (let n = 0; n < 3; n++) await queue.send({ n });
    for (const message of await queue.receive({ maxMessages: 3 })) await queue.complete(message);

    expect(spares.size).toBe(3);
    expect(await readdir(join(dir, 'queue', 'inflight'))).toEqual([]);
    await queue.send({ n: 3 });
    expect(spares.size).toBe(2);
    await queue.close();

    // A completed message stays completed after a restart: its spare is no message file.
    const reopened = await openLocalQueue<{ n: number }>(options);
    const [message] = await reopened.receive();
    expect(message?.body).toEqual({ n: 3 });
    expect(reopened.counts()).toMatchObject({ ready: 0, inFlight: 1 });
    await reopened.close();
  });

  it('stages a write in a spare that held longer bytes, keeping only the new ones', async () => {
    const dir = await freshDir();
    const spares = await SpareFiles.open(join(dir, 'spare'));
    await writeFile(join(dir, 'old'), 'x'.repeat(5_000));
    await spares.retire(join(dir, 'old'));
    const store = createFileStore({ dir: join(dir, 'bucket'), bucket: 'uploads', spares });
    const info = await store.put('a.csv', 'id\n1\n', { contentType: 'text/csv' });

    expect(spares.size).toBe(0);
    const { info: read, body } = await store.get('a.csv');
    expect((await readAll(body)).toString('utf8')).toBe('id\n1\n');
    expect(read).toMatchObject({ etag: info.etag, size: 5, contentType: 'text/csv' });
    expect((await stat(join(dir, 'bucket', 'a.csv.cpobj'))).size).toBe(5);
    expect(JSON.parse(await readFile(join(dir, 'bucket', 'a.csv.cpmeta'), 'utf8')).key).toBe(
      'a.csv',
    );
  });

  it('writes data and sidecar into spares when two are left, cutting both to length', async () => {
    const dir = await freshDir();
    const spares = await SpareFiles.open(join(dir, 'spare'));
    for (const name of ['one', 'two']) {
      await writeFile(join(dir, name), '}'.repeat(9_000));
      await spares.retire(join(dir, name));
    }
    const store = createFileStore({ dir: join(dir, 'bucket'), bucket: 'uploads', spares });
    await store.put('b.json', '{}', { metadata: { run: '7' } });

    expect(spares.size).toBe(0);
    const sidecar = JSON.parse(await readFile(join(dir, 'bucket', 'b.json.cpmeta'), 'utf8'));
    expect(sidecar.versions[0].metadata).toEqual({ run: '7' });
    expect(await readFile(join(dir, 'bucket', 'b.json.cpobj'), 'utf8')).toBe('{}');
  });

  it.skipIf(!existsSync('/dev/shm'))(
    'leaves spares on another filesystem alone and creates its own files',
    async () => {
      const pool = await freshDir('/dev/shm');
      await writeFile(join(pool, 'spare'), 'x');
      const spares = await SpareFiles.open(pool);
      const dir = await freshDir();
      if ((await stat(pool)).dev === (await stat(dir)).dev) return;
      const store = createFileStore({ dir: join(dir, 'bucket'), bucket: 'uploads', spares });
      await store.put('a.txt', 'new');

      expect(spares.size).toBe(1);
      expect((await readAll((await store.get('a.txt')).body)).toString('utf8')).toBe('new');
    },
  );
});
