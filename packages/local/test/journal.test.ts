import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventJournal, JOURNAL_FILE } from '../src/runtime/journal.js';

const made: string[] = [];

async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cloudport-journal-'));
  made.push(dir);

  return dir;
}

afterEach(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('local runtime: event journal file', () => {
  const intent = (key: string) => ({ bucket: 'inbox', key, etag: '"e"', deliveries: [] });

  it('empties its file once it is large and every intent in it is done', async () => {
    const dir = await freshDir();
    const journal = new EventJournal(dir, { compactBytes: 1_000 });
    for (let n = 0; n < 40; n++) await journal.done(await journal.record(intent(`k${n}`)));
    const open = await journal.record(intent('open'));
    for (let n = 0; n < 40; n++) await journal.done(await journal.record(intent(`m${n}`)));
    await journal.close();

    const size = (await readFile(join(dir, JOURNAL_FILE))).length;
    expect(size).toBeGreaterThan(1_000);
    const reopened = new EventJournal(dir, { compactBytes: 1_000 });
    expect((await reopened.leftovers()).map((left) => left.id)).toEqual([open.id]);
    await reopened.done(open);
    await reopened.done(await reopened.record(intent('after')));
    await reopened.close();
    expect((await readFile(join(dir, JOURNAL_FILE))).length).toBeLessThan(size);
  });

  it('writes lines appended at once in order, each intent readable after a crash', async () => {
    const dir = await freshDir();
    const journal = new EventJournal(dir);
    const recorded = await Promise.all(
      Array.from({ length: 50 }, (_, n) => journal.record(intent(`k${n}`))),
    );
    await Promise.all(recorded.slice(0, 25).map((done) => journal.done(done)));

    const left = await new EventJournal(dir).leftovers();
    expect(left.map((entry) => entry.key).sort()).toEqual(
      recorded
        .slice(25)
        .map((entry) => entry.key)
        .sort(),
    );
    await journal.close();
  });
});
