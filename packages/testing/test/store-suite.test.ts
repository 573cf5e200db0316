import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { storeConformance } from '../src/store-suite.js';
import { type Cases, collect, failureOf, named } from './support/collect.js';
import { FOLDER_STORE_CAPABILITIES, FolderStore, type StoreDefects } from './support/file-store.js';

const MIB = 1024 * 1024;
const folders: string[] = [];

afterAll(() => Promise.all(folders.map((dir) => rm(dir, { recursive: true, force: true }))));

/** The store suite's cases against a folder store with the given defects. */
function casesFor(defects: StoreDefects): Cases {
  return collect((runner) =>
    storeConformance(runner, {
      name: 'folder',
      capabilities: FOLDER_STORE_CAPABILITIES,
      create: async () => {
        const dir = await mkdtemp(join(tmpdir(), 'cloudport-suite-'));
        folders.push(dir);
        return new FolderStore(dir, defects);
      },
      cleanup: (store) => rm((store as FolderStore).dir, { recursive: true, force: true }),
      // Large enough that holding it whole breaks the memory bound; the waits cut tenfold.
      largeObjectBytes: 96 * MIB,
      timeScale: 0.1,
      uploadedBytes: (store, key) => (store as FolderStore).staged(key),
    }),
  );
}

const sound = casesFor({});
const cases: Array<[string, StoreDefects, RegExp]> = [
  [
    'a 96 MiB streamed write reaches the provider',
    { bufferWrites: true },
    /none of it reached the provider: the store reads the whole source/,
  ],
  ['a 96 MiB read streams', { bufferReads: true }, /it read ahead of the reader|buffered the data/],
  [
    'a slow reader of 96 MiB',
    { ignoreBackpressure: true },
    /reading slowly 96.0 MiB, live memory grew/,
  ],
];

describe('store suite against broken stores', () => {
  for (const [start, defects, failure] of cases) {
    it(`fails "${start}" for a store that ${Object.keys(defects)[0]}`, async () => {
      const name = named(sound, start);
      expect(await failureOf(sound, name)).toBeUndefined();
      expect((await failureOf(casesFor(defects), name))?.message).toMatch(failure);
    }, 120_000);
  }

  it('fails a store that declares streaming writes unsupported but takes a stream', async () => {
    const features = { ...FOLDER_STORE_CAPABILITIES.features };
    features['store.stream-write'] = { support: 'no', note: 'declared, not true' };
    const cases = collect((runner) =>
      storeConformance(runner, {
        name: 'folder',
        capabilities: { ...FOLDER_STORE_CAPABILITIES, features },
        create: async () => {
          const dir = await mkdtemp(join(tmpdir(), 'cloudport-suite-'));
          folders.push(dir);
          return new FolderStore(dir);
        },
      }),
    );
    const name = 'store.stream-write is declared unsupported, so using it raises UNSUPPORTED';
    expect((await failureOf(cases, name))?.message).toMatch(
      /expected UNSUPPORTED, but it succeeded/,
    );
  });

  it('fails the streamed write when the store gives no way to see its upload', async () => {
    const cases = collect((runner) =>
      storeConformance(runner, {
        name: 'folder',
        capabilities: FOLDER_STORE_CAPABILITIES,
        create: () => new FolderStore(join(tmpdir(), 'never-written')),
        largeObjectBytes: 4 * MIB,
      }),
    );
    const failure = await failureOf(cases, named(cases, 'a 4 MiB streamed write'));
    expect(failure?.message).toMatch(/pass uploadedBytes to the suite/);
  });
});
