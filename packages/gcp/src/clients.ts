import { InvalidConfigError } from '@cloudport/core';
import type { ClientConfig, PubSub } from '@google-cloud/pubsub';
import type { Storage, StorageOptions } from '@google-cloud/storage';
import { PROVIDER } from './errors.js';
import { createCrc32cValidator } from './storage/crc32c.js';

/** A provider client, or a function that gives one on first use. */
export type ClientSource<T> = T | (() => Promise<T>);

/**
 * Wraps `create` so that it runs once, on the first call; a failed attempt is forgotten so
 * that the next call tries again.
 */
export function lazy<T>(create: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;

  return () => {
    pending ??= create().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

/** Turns a client or a client factory into a function that resolves it. */
export function fromSource<T>(source: ClientSource<T> | undefined, create: () => Promise<T>) {
  if (source === undefined) return lazy(create);
  if (typeof source === 'function') return lazy(source as () => Promise<T>);

  return () => Promise.resolve(source);
}

/**
 * Creates a Cloud Storage client, loading @google-cloud/storage only now. Uploads and downloads
 * are checked with this package's faster CRC32C unless `options` names another generator.
 */
export async function createStorageClient(options: StorageOptions = {}): Promise<Storage> {
  const { Storage } = await importPeer<typeof import('@google-cloud/storage')>(
    '@google-cloud/storage',
    () => import('@google-cloud/storage'),
  );

  return new Storage({ crc32cGenerator: createCrc32cValidator, ...options });
}

/** Creates a Pub/Sub client, loading @google-cloud/pubsub only now. */
export async function createPubSubClient(options: ClientConfig = {}): Promise<PubSub> {
  const { PubSub } = await importPeer<typeof import('@google-cloud/pubsub')>(
    '@google-cloud/pubsub',
    () => import('@google-cloud/pubsub'),
  );

  return new PubSub(options);
}

async function importPeer<T>(name: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (cause) {
    throw new InvalidConfigError(
      `${name} could not be loaded; install it beside @cloudport/gcp (it is a peer dependency).`,
      { provider: PROVIDER, cause },
    );
  }
}
