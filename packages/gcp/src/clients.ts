import { InvalidConfigError } from '@cloudport/core';
import type { ClientConfig, PubSub } from '@google-cloud/pubsub';
import type { Storage, StorageOptions } from '@google-cloud/storage';
import { messageOf, PROVIDER } from './errors.js';
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

type StorageModule = typeof import('@google-cloud/storage');
type PubSubModule = typeof import('@google-cloud/pubsub');

/**
 * Loads @google-cloud/storage on first use. It is an optional peer dependency, so that a
 * function that never touches a bucket does not ship it: without it, the first use fails with
 * `INVALID_CONFIG` naming the package to install.
 */
export const loadStorage = lazy(() =>
  importPeer<StorageModule>(
    '@google-cloud/storage',
    'Cloud Storage buckets',
    () => import('@google-cloud/storage'),
  ),
);

/** Loads @google-cloud/pubsub on first use; an optional peer dependency, like the above. */
export const loadPubSub = lazy(() =>
  importPeer<PubSubModule>(
    '@google-cloud/pubsub',
    'Pub/Sub queues',
    () => import('@google-cloud/pubsub'),
  ),
);

/**
 * Creates a Cloud Storage client, loading @google-cloud/storage only now. Uploads and downloads
 * are checked with this package's own CRC32C unless `options` names another generator.
 */
export async function createStorageClient(options: StorageOptions = {}): Promise<Storage> {
  const { Storage } = await loadStorage();

  return new Storage({ crc32cGenerator: createCrc32cValidator, ...options });
}

/** Creates a Pub/Sub client, loading @google-cloud/pubsub only now. */
export async function createPubSubClient(options: ClientConfig = {}): Promise<PubSub> {
  const { PubSub } = await loadPubSub();

  return new PubSub(options);
}

/**
 * Imports an optional peer dependency, turning its absence into `INVALID_CONFIG` that names
 * the package and the command that installs it.
 */
async function importPeer<T>(name: string, use: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (cause) {
    const what = isNotInstalled(cause)
      ? 'is not installed'
      : `could not be loaded (${messageOf(cause)})`;
    throw new InvalidConfigError(
      `${name} ${what}. @cloudport/gcp needs it for ${use}, as an optional peer dependency: ` +
        `install it beside @cloudport/gcp (npm install ${name}).`,
      { provider: PROVIDER, cause },
    );
  }
}

// Node reports a missing package with one of these codes; loaders may wrap it in a cause.
function isNotInstalled(error: unknown): boolean {
  for (let link = error, depth = 0; link && depth < 5; depth += 1) {
    const { code, cause } = link as { code?: unknown; cause?: unknown };
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return true;
    link = cause;
  }

  return false;
}
