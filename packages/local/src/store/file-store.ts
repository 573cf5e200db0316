import { isAbsolute, resolve } from 'node:path';
import {
  InvalidConfigError,
  type LimitProfile,
  type ObjectInfo,
  type ObjectStore,
  type PutResult,
  UnsupportedError,
} from '@cloudport/core';
import { defaultDir } from '../default-dir.js';
import { SpareFiles } from '../spare-files.js';
import { countObjects, getObject, headObject, listObjects } from './object-reads.js';
import { copyObject, deleteObject, importDropped, putObject } from './object-writes.js';
import { StoreContext } from './store-context.js';
import { limitsOf } from './validate.js';

export { isStoreEntry } from './key-path.js';

/** A change the store is about to make visible, as {@link FileStoreHooks.beforeCommit} sees it. */
export type StoreChange = { type: 'created'; info: ObjectInfo } | { type: 'deleted'; key: string };

/** Callbacks that run inside the store's commit, before a change becomes visible. */
export interface FileStoreHooks {
  /**
   * Awaited once a write is fully staged (its ETag and size known) but before it becomes
   * visible, and before a delete removes an existing object. If it throws, the change is
   * abandoned and the error reaches the caller unchanged. The local runtime records object
   * events here, so that a crash can never lose one. The hook may read the store, but must not
   * write or delete the same key: that waits for the commit the hook is part of.
   */
  beforeCommit?(change: StoreChange): Promise<void>;
}

/** Options of {@link createFileStore}. */
export interface FileStoreOptions {
  /**
   * Absolute path of the bucket's folder; created on first use. Defaults to
   * `.cloudport/buckets/<bucket>` under the working directory, where the local runtime keeps
   * the bucket of that name.
   */
  dir?: string;
  /** The bucket's logical name, used in errors and events. */
  bucket: string;
  /** Enforce one provider's store limits: key bytes, metadata bytes and object size. */
  profile?: LimitProfile;
  hooks?: FileStoreHooks;
  /**
   * Flush each write to disk before it becomes visible, so that it survives a power cut and
   * not only a crash of the process. Off by default: slower, and rarely needed in development.
   */
  sync?: boolean;
  /**
   * Spare files to stage writes in instead of creating new files, while any are left; the
   * pool must be one that nothing else writes into. The local runtime shares one among its
   * stores and queues.
   */
  spares?: SpareFiles;
}

/** An object store kept in a folder on disk, with a helper for the dev watcher. */
export interface FileStore extends ObjectStore {
  /** The bucket folder, resolved. */
  readonly dir: string;
  /**
   * Turns a file a user dropped into the bucket folder (see `isStoreEntry`) into an object
   * whose key is its path relative to the folder, through the normal write path so that hooks
   * run, then removes the dropped file. Call it once the file is completely written.
   */
  importDroppedFile(absPath: string): Promise<PutResult>;
  /**
   * Counts the objects whose keys start with `prefix` (all, by default) as `list` would find
   * them, from the folder tree alone: no object or sidecar is opened, so a count of many
   * objects costs a directory walk rather than a read of each.
   */
  countObjects(prefix?: string): Promise<number>;
}

/**
 * Creates an object store kept in a folder on disk, for the local runtime and for tests.
 *
 * Layout: the key `reports/2026/a.json` is the file `reports/2026/a.json.cpobj` (the bytes,
 * unchanged) beside `a.json.cpmeta` (JSON: ETag, content type, metadata). Folders never end in
 * those suffixes, which is how `a`, `a/b` and `a/` coexist. Only what a filesystem cannot hold
 * is escaped, as `%XX`: `%` itself, empty segments (`%`), `.` and `..` segments (so no key can
 * leave the folder), names ending in a store suffix, and segments over 240 bytes, which
 * continue in a sub-folder marked `%+`. On filesystems that fold letter case or Unicode
 * normalisation (macOS, Windows) capitals are written `!a` and non-ASCII as `%XX`, so keys
 * differing only in case stay apart. Writes are staged in `.cloudport-tmp/`, or in a spare file
 * when the store has `spares`.
 *
 * Behaviour: the ETag is the quoted SHA-256 hex of the content (`sha256sum` of the `.cpobj`
 * file matches it), computed while streaming. A write becomes visible with one rename, so
 * readers see the old or the new object whole, each with its own metadata. `createOnly` is
 * atomic (a hard link that fails if the key exists); `ifMatch` and commits are serialised per
 * key within the process. A range starting past the last byte is `INVALID_CONFIG`; an end past
 * it reads to the end. Lists follow UTF-8 byte order, at most 1000 objects a page. Deleting a
 * missing key succeeds without a hook call. A data file edited by hand is taken in with a
 * fresh ETag. One process should own a bucket folder at a time.
 *
 * @example
 * const dir = resolve('.cloudport/buckets/uploads');
 * const store = createFileStore({ dir, bucket: 'uploads' });
 * await store.put('reports/2026/a.json', '{}', { contentType: 'application/json' });
 */
export function createFileStore(options: FileStoreOptions): FileStore {
  const { bucket, profile, hooks = {}, sync = false, spares } = options ?? ({} as FileStoreOptions);
  const dir = options?.dir === undefined ? defaultDir('buckets', bucket) : options.dir;
  if (typeof dir !== 'string' || !isAbsolute(dir)) {
    throw new InvalidConfigError(
      `The file store's dir must be an absolute path, not ${JSON.stringify(dir)}; ` +
        'resolve it first, for example with path.resolve().',
    );
  }
  if (typeof bucket !== 'string' || bucket === '') {
    throw new InvalidConfigError(`The file store for ${dir} needs the bucket's logical name.`);
  }
  if (hooks.beforeCommit !== undefined && typeof hooks.beforeCommit !== 'function') {
    throw new InvalidConfigError(`hooks.beforeCommit of the ${bucket} store must be a function.`);
  }

  if (spares !== undefined && !(spares instanceof SpareFiles)) {
    throw new InvalidConfigError(`spares of the ${bucket} store must come from SpareFiles.open().`);
  }

  const context = new StoreContext(resolve(dir), bucket, limitsOf(profile), hooks, sync, spares);
  const run = context.guard.bind(context);

  // Plain functions over one context, not methods: the store can be wrapped (Object.create,
  // spread) or its methods passed around without losing their instance.
  return {
    bucket,
    dir: context.dir,
    get: (key, getOptions = {}) => run(key, 'Reading', () => getObject(context, key, getOptions)),
    head: (key) => run(key, 'Reading', () => headObject(context, key)),
    put: (key, data, putOptions = {}) =>
      run(key, 'Writing', () => putObject(context, key, data, putOptions)),
    list: (listOptions = {}) => run(undefined, 'Listing', () => listObjects(context, listOptions)),
    delete: (key) => run(key, 'Deleting', () => deleteObject(context, key)),
    copy: (sourceKey, targetKey, putOptions = {}) =>
      run(targetKey, 'Copying', () => copyObject(context, sourceKey, targetKey, putOptions)),
    signedUrl: async () => {
      throw new UnsupportedError(
        'store.signed-url',
        `bucket ${bucket} is a folder on disk and has no URLs to sign; read the object with ` +
          'get(), or serve it from an HTTP trigger.',
        { provider: 'local' },
      );
    },
    importDroppedFile: (absPath) =>
      run(undefined, 'Importing', () => importDropped(context, absPath)),
    countObjects: (prefix = '') => run(undefined, 'Counting', () => countObjects(context, prefix)),
  };
}
