import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openLocalQueue } from '../src/queue/index.js';
import { createFileStore } from '../src/store/file-store.js';

let work: string | undefined;

async function inFreshWorkingDirectory(): Promise<string> {
  work = await mkdtemp(join(tmpdir(), 'cloudport-default-dir-'));
  vi.spyOn(process, 'cwd').mockReturnValue(work);

  return work;
}

afterEach(async () => {
  vi.restoreAllMocks();
  if (work) await rm(work, { recursive: true, force: true });
  work = undefined;
});

describe('default folders under .cloudport', () => {
  it('keeps a store without a dir in .cloudport/buckets/<bucket> under the cwd', async () => {
    const cwd = await inFreshWorkingDirectory();
    const store = createFileStore({ bucket: 'uploads' });
    await store.put('a.txt', 'a');

    expect(store.dir).toBe(join(cwd, '.cloudport', 'buckets', 'uploads'));
    expect(await readdir(store.dir)).toContain('a.txt.cpobj');
  });

  it('keeps a queue without a dir in .cloudport/queues/<name> under the cwd', async () => {
    const cwd = await inFreshWorkingDirectory();
    const queue = await openLocalQueue<string>({ name: 'rows', body: 'text' });
    try {
      await queue.send('x');

      expect(queue.dir).toBe(join(cwd, '.cloudport', 'queues', 'rows'));
      expect(await readdir(join(cwd, '.cloudport', 'queues'))).toEqual(['rows']);
    } finally {
      await queue.close();
    }
  });

  it.each(['../up', 'a/b', '', '.hidden'])('refuses to name a folder after %j', async (name) => {
    await inFreshWorkingDirectory();

    expect(() => createFileStore({ bucket: name })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG', message: expect.stringContaining('dir') }),
    );
    await expect(openLocalQueue({ name, body: 'text' })).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
    });
  });
});
