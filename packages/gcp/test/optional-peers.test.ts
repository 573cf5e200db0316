import { readFileSync } from 'node:fs';
import { QueueRef } from '@cloudport/core';
import { describe, expect, it, vi } from 'vitest';
import { createGcsStore, createPubSubPullQueue, createPubSubQueue } from '../src/index.js';

// Neither client library is installed here, as in a function that installed neither: loading
// one fails the way Node fails an import of a package that is not there.
vi.mock('@google-cloud/storage', () => {
  throw Object.assign(new Error("Cannot find package '@google-cloud/storage'"), {
    code: 'ERR_MODULE_NOT_FOUND',
  });
});
vi.mock('@google-cloud/pubsub', () => {
  throw Object.assign(new Error("Cannot find package '@google-cloud/pubsub'"), {
    code: 'ERR_MODULE_NOT_FOUND',
  });
});

async function failureOf(action: () => Promise<unknown>): Promise<Error> {
  return (await action().then(
    () => undefined,
    (error: unknown) => error,
  )) as Error;
}

describe('the Google libraries as optional peer dependencies', () => {
  it('declares all three optional, so that npm installs none of them unasked', () => {
    const manifest = JSON.parse(
      readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
    ) as { peerDependencies: Record<string, string>; peerDependenciesMeta?: object };
    const names = Object.keys(manifest.peerDependencies).sort();

    expect(names).toEqual([
      '@google-cloud/functions-framework',
      '@google-cloud/pubsub',
      '@google-cloud/storage',
    ]);
    expect(manifest.peerDependenciesMeta).toEqual(
      Object.fromEntries(names.map((name) => [name, { optional: true }])),
    );
  });

  it('fails the first store call without @google-cloud/storage, naming it', async () => {
    const store = createGcsStore({ bucket: 'uploads' });
    const error = await failureOf(() => store.head('a.txt'));

    expect(error).toMatchObject({ code: 'INVALID_CONFIG', provider: 'gcp' });
    expect(error.message).toContain('@google-cloud/storage is not installed');
    expect(error.message).toContain('npm install @google-cloud/storage');
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('fails the first send or receive without @google-cloud/pubsub, naming it', async () => {
    const queue = new QueueRef('rows');
    const publisher = createPubSubQueue({ queue });
    const consumer = createPubSubPullQueue({ queue, subscription: 'rows-sub' });
    for (const action of [() => publisher.send({ n: 1 }), () => consumer.receive()]) {
      const error = await failureOf(action);
      expect(error).toMatchObject({ code: 'INVALID_CONFIG', provider: 'gcp' });
      expect(error.message).toContain('@google-cloud/pubsub is not installed');
      expect(error.message).toContain('npm install @google-cloud/pubsub');
    }
  });
});
