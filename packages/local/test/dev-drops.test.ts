import { existsSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, open, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { bucket, definePipeline, onObjectCreated, readAll, silentLogger } from '@cloudport/core';
import { createFileStore, createLocalRuntime, type LocalRuntime } from '@cloudport/local';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { watchDrops } from '../src/runtime/dev-drops.js';

let root: string;
let runtime: LocalRuntime | undefined;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'cloudport-drops-'));
});

afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
  await rm(root, { recursive: true, force: true });
});

/** A dev session whose handler records each created object's key and content. */
async function startDev(quietMs: number) {
  const seen: Array<{ key: string; text: string }> = [];
  const inbox = bucket('inbox');
  const pipeline = definePipeline('drops', {
    files: {
      trigger: onObjectCreated(inbox),
      handler: async (event) => {
        const { body } = await inbox.get(event.key);
        seen.push({ key: event.key, text: (await readAll(body)).toString('utf8') });
      },
    },
  });
  runtime = await createLocalRuntime({ pipeline, root, logger: false });
  const session = await runtime.dev({ port: 0, dropQuietMs: quietMs });

  return { seen, session, dir: join(root, 'buckets', 'inbox') };
}

async function until(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await delay(20);
  }
}

describe('dev: dropped files', () => {
  it('waits for a slow writer: a late first write and pauses between appends', async () => {
    const { seen, session, dir } = await startDev(500);
    const parts = ['id,total\n', '1,10\n', '2,20\n', '3,30\n', '4,40\n'];
    try {
      await mkdir(dir, { recursive: true });
      const file = await open(join(dir, 'slow.csv'), 'w');
      await delay(250);
      for (const part of parts) {
        await file.write(part);
        await delay(150);
      }
      await file.close();
      await until(() => seen.length > 0);
      // Long enough for a second, wrong import to show up.
      await delay(800);
    } finally {
      await session.stop();
    }

    expect(seen).toEqual([{ key: 'slow.csv', text: parts.join('') }]);
    expect(await readdir(dir)).not.toContain('slow.csv');
  });

  it('imports the files already in the folder when it starts, but no hidden ones', async () => {
    const dir = join(root, 'buckets', 'inbox');
    await mkdir(join(dir, 'nested', 'deeper'), { recursive: true });
    await mkdir(join(dir, '.git'), { recursive: true });
    await writeFile(join(dir, 'early.csv'), 'early');
    await writeFile(join(dir, 'nested', 'deeper', 'b.txt'), 'deep');
    await writeFile(join(dir, '.DS_Store'), 'hidden');
    await writeFile(join(dir, '.git', 'config'), 'hidden');
    await writeFile(join(dir, 'notes.txt~'), 'backup');

    const { seen, session } = await startDev(100);
    try {
      await until(() => seen.length >= 2);
      await delay(400);
    } finally {
      await session.stop();
    }

    expect(seen.map((s) => `${s.key}=${s.text}`).sort()).toEqual([
      'early.csv=early',
      'nested/deeper/b.txt=deep',
    ]);
    for (const imported of ['early.csv', 'nested/deeper/b.txt']) {
      expect(existsSync(join(dir, imported)), imported).toBe(false);
    }
    for (const left of ['.DS_Store', '.git/config', 'notes.txt~']) {
      expect(existsSync(join(dir, left)), left).toBe(true);
    }
  });

  it('fires one event for each write through the store while the folder is watched', async () => {
    const { seen, session, dir } = await startDev(200);
    const store = runtime?.store('inbox');
    try {
      await store?.put('through-store.csv', 'stored');
      await store?.put('nested/second.csv', 'stored too');
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'dropped.csv'), 'dropped');
      await until(() => seen.length >= 3);
      // Several quiet periods: a watcher that took the store's own files for drops fires here.
      await delay(1000);
    } finally {
      await session.stop();
    }

    const byKey = (a: { key: string }, b: { key: string }) => a.key.localeCompare(b.key);
    expect(seen.sort(byKey)).toEqual([
      { key: 'dropped.csv', text: 'dropped' },
      { key: 'nested/second.csv', text: 'stored too' },
      { key: 'through-store.csv', text: 'stored' },
    ]);
  });

  it('rejects a quiet period that is not a whole number of milliseconds', async () => {
    const pipeline = definePipeline('drops', {
      files: { trigger: onObjectCreated(bucket('inbox')), handler: () => {} },
    });
    runtime = await createLocalRuntime({ pipeline, root, logger: false });

    await expect(runtime.dev({ port: 0, dropQuietMs: -5 })).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringContaining('dropQuietMs -5'),
    });
  });
});

describe('dev: a dropped file that changes while it is imported', () => {
  /** Watches a bucket folder with a store whose `put` runs `during` on each import. */
  async function watchWith(during: (call: number, path: string) => Promise<void>) {
    const dir = join(root, 'bucket');
    const commits: string[] = [];
    const store = createFileStore({
      dir,
      bucket: 'inbox',
      hooks: {
        beforeCommit: async (change) => {
          if (change.type === 'created') commits.push(`${change.info.key}:${change.info.size}`);
        },
      },
    });
    const put = store.put.bind(store);
    let calls = 0;
    store.put = async (key, data, options) => {
      calls += 1;
      const call = calls;
      const path = join(dir, key);
      if (call === 1) await during(1, path);
      const result = await put(key, data, options);
      if (call === 1) await during(2, path);
      return result;
    };
    const stop = new AbortController();
    const watch = await watchDrops({
      store,
      bucket: 'inbox',
      dir,
      quietMs: 100,
      logger: silentLogger,
      signal: stop.signal,
    });
    const content = async (key: string) =>
      (await readAll((await store.get(key)).body)).toString('utf8');
    const close = async () => {
      stop.abort();
      await watch.close();
    };

    return { dir, content, close, commits, puts: () => calls };
  }

  it('keeps a file written to after it was read, and imports it again', async () => {
    const { dir, content, close, commits, puts } = await watchWith(async (step, path) => {
      if (step === 2) await appendFile(path, ' and more');
    });
    try {
      await writeFile(join(dir, 'a.txt'), 'first');
      await until(() => puts() >= 2);
      await until(() => !existsSync(join(dir, 'a.txt')));
    } finally {
      await close();
    }

    expect(commits).toEqual(['a.txt:5', 'a.txt:14']);
    expect(await content('a.txt')).toBe('first and more');
  });

  it('commits no file that changed while read, and imports it once quiet', async () => {
    const { dir, content, close, commits, puts } = await watchWith(async (step, path) => {
      if (step === 1) await appendFile(path, ' grown');
    });
    try {
      await writeFile(join(dir, 'b.txt'), 'start');
      await until(() => puts() >= 2 && !existsSync(join(dir, 'b.txt')));
    } finally {
      await close();
    }

    expect(commits).toEqual(['b.txt:11']);
    expect(await content('b.txt')).toBe('start grown');
  });
});
