import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogFields, Logger } from '@cloudport/core';
import { afterAll, describe, expect, it } from 'vitest';
import { type LocalQueue, openLocalQueue } from '../src/queue/index.js';

const made: string[] = [];
afterAll(async () => {
  await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A logger that keeps its error lines, to check that a failure is reported. */
function recorder(): Logger & { errors: Array<{ message: string; fields?: LogFields }> } {
  const errors: Array<{ message: string; fields?: LogFields }> = [];
  const logger = {
    errors,
    debug: () => {},
    info: () => {},
    warn: () => {},
    error: (message: string, fields?: LogFields) => errors.push({ message, fields }),
    child: () => logger,
  };

  return logger;
}

async function openAt(dir: string, logger: Logger, visibility = 30): Promise<LocalQueue<unknown>> {
  return openLocalQueue({
    dir,
    name: 'rows',
    body: 'json',
    logger,
    visibilityTimeoutSeconds: visibility,
  });
}

async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cp-qfiles-'));
  made.push(dir);
  return dir;
}

async function onlyFile(dir: string, folder: string): Promise<string> {
  const [name] = await readdir(join(dir, folder));
  return join(dir, folder, name as string);
}

describe('local queue files that do not read', () => {
  it('dead-letters a message whose file was corrupted, keeping its name and bytes', async () => {
    const dir = await freshDir();
    const logger = recorder();
    const queue = await openAt(dir, logger);
    const { messageId } = await queue.send({ n: 1 });
    await queue.close();
    const path = await onlyFile(dir, 'ready');
    await writeFile(path, 'garbage without a header');

    const reopened = await openAt(dir, logger);
    expect(await reopened.receive()).toEqual([]);
    expect(reopened.counts()).toMatchObject({ ready: 0, inFlight: 0, dead: 1 });
    const [letter] = await reopened.deadLetters();
    expect(letter?.messageId).toBe(messageId);
    expect(letter?.reason).toContain(messageId);
    expect(Buffer.from(letter?.body as Uint8Array).toString()).toBe('garbage without a header');
    expect(logger.errors.length).toBeGreaterThan(0);
    await reopened.close();
  });

  it('dead-letters a message whose file was corrupted while the queue was open', async () => {
    const dir = await freshDir();
    const logger = recorder();
    const queue = await openAt(dir, logger);
    // Over the 32 MiB payload cache no: the cache holds it, so drop the cache by reopening.
    await queue.send({ n: 1 });
    await queue.close();
    const reopened = await openAt(dir, logger);
    await writeFile(await onlyFile(dir, 'ready'), '{"id":1}\nbody');
    expect(await reopened.receive()).toEqual([]);
    const letters = await reopened.deadLetters();
    expect(letters).toHaveLength(1);
    expect(letters[0]?.reason).toMatch(/unreadable message file .*inflight/);
    expect(reopened.counts().dead).toBe(1);
    await reopened.close();
  });

  it('dead-letters a message whose file disappeared, instead of forgetting it', async () => {
    const dir = await freshDir();
    const logger = recorder();
    await (await openAt(dir, logger)).close();
    const queue = await openAt(dir, logger);
    await queue.send({ n: 1 });
    await queue.close();
    const reopened = await openAt(dir, logger);
    await rm(await onlyFile(dir, 'ready'));
    expect(await reopened.receive()).toEqual([]);
    const [letter] = await reopened.deadLetters();
    expect(letter?.reason).toContain('disappeared');
    await reopened.close();
  });

  it('keeps a message it cannot read counted, and delivers it once it reads again', async () => {
    const dir = await freshDir();
    const logger = recorder();
    const queue = await openAt(dir, logger);
    await queue.send({ n: 7 });
    await queue.close();
    const reopened = await openAt(dir, logger);
    // A folder where the file was cannot be read, not even by root; then the file comes back.
    const path = await onlyFile(dir, 'ready');
    const bytes = await readFile(path);
    await rm(path);
    await mkdir(path);
    expect(await reopened.receive()).toEqual([]);
    expect(reopened.counts()).toMatchObject({ delayed: 1, dead: 0 });
    const moved = join(dir, 'inflight', (await readdir(join(dir, 'inflight')))[0] as string);
    await rm(moved, { recursive: true });
    await writeFile(moved, bytes);
    const [message] = await reopened.receive({ waitMs: 3000 });
    expect([message?.body, message?.deliveryCount]).toEqual([{ n: 7 }, 1]);
    expect(logger.errors.some((line) => line.message.includes('trying again'))).toBe(true);
    await reopened.close();
  });

  it('dead-letters an unreadable keyed file and a stray file on open, bytes kept', async () => {
    const dir = await freshDir();
    const logger = recorder();
    const queue = await openAt(dir, logger);
    await queue.send({ n: 1 }, { orderingKey: 'k' });
    await queue.close();
    await writeFile(await onlyFile(dir, 'ready'), 'not json\n');
    await writeFile(join(dir, 'ready', 'notes.txt'), 'left by hand');

    const reopened = await openAt(dir, logger);
    const letters = await reopened.deadLetters();
    expect(letters).toHaveLength(2);
    const bodies = letters.map((letter) => Buffer.from(letter.body as Uint8Array).toString());
    expect(bodies.sort()).toEqual(['left by hand', 'not json\n']);
    expect(letters.some((letter) => letter.reason.includes('notes.txt'))).toBe(true);
    expect(await readdir(join(dir, 'ready'))).toEqual([]);
    expect(reopened.counts()).toMatchObject({ ready: 0, dead: 2 });
    await reopened.close();
  });

  it('lists a dead-letter file that no longer decodes, with its bytes', async () => {
    const dir = await freshDir();
    const logger = recorder();
    const queue = await openAt(dir, logger);
    await queue.send({ n: 1 });
    const [message] = await queue.receive();
    await queue.deadLetter(message!, 'bad row');
    await queue.close();
    await writeFile(await onlyFile(dir, 'dead'), 'scrambled');
    const reopened = await openAt(dir, logger);
    const [letter] = await reopened.deadLetters();
    expect(letter?.reason).toContain('unreadable');
    expect(Buffer.from(letter?.body as Uint8Array).toString()).toBe('scrambled');
    await reopened.close();
  });

  it('keeps a timed-out message queued when dead-lettering fails, and retries that', async () => {
    const dir = await freshDir();
    const logger = recorder();
    const queue = await openLocalQueue({
      dir,
      name: 'rows',
      body: 'json',
      logger,
      maxAttempts: 1,
      visibilityTimeoutSeconds: 0.1,
    });
    const { messageId } = await queue.send({ n: 1 });
    expect(await queue.receive()).toHaveLength(1);
    // A file in place of the dead folder makes every dead-letter write fail, even for root.
    await rm(join(dir, 'dead'), { recursive: true });
    await writeFile(join(dir, 'dead'), '');
    // The receive passes the timeout, which tries to dead-letter the message and fails.
    expect(await queue.receive({ waitMs: 300 })).toEqual([]);
    await new Promise((done) => setTimeout(done, 50));
    expect(queue.counts()).toMatchObject({ dead: 0, delayed: 1 });
    expect(logger.errors.some((line) => line.message.includes('could not be dead-lettered'))).toBe(
      true,
    );
    await rm(join(dir, 'dead'));
    await mkdir(join(dir, 'dead'));
    expect(await queue.receive({ waitMs: 2500 })).toEqual([]);
    await new Promise((done) => setTimeout(done, 1200));
    expect((await queue.deadLetters()).map((letter) => letter.messageId)).toEqual([messageId]);
    expect(
      JSON.parse((await readFile(await onlyFile(dir, 'dead'))).toString().split('\n')[0] as string)
        .reason,
    ).toContain('visibility timeout');
    await queue.close();
  });

  it('reports errors through a logger by default', async () => {
    const dir = await freshDir();
    await writeFile(join(dir, 'stray'), 'x');
    const queue = await openLocalQueue({ dir, name: 'rows', body: 'json' });
    await writeFile(join(dir, 'ready', 'stray.txt'), 'x');
    await queue.close();
    const lines: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((line: string) => lines.push(line) > 0) as typeof write;
    try {
      await (await openLocalQueue({ dir, name: 'rows', body: 'json' })).close();
    } finally {
      process.stderr.write = write;
    }
    expect(lines.some((line) => JSON.parse(line).level === 'error')).toBe(true);
  });
});
