import {
  CloudportError,
  InvalidKeyError,
  ObjectNotFoundError,
  PreconditionFailedError,
  ProviderError,
} from '@cloudport/core';
import type { SpareFiles } from '../spare-files.js';
import type { FileStoreHooks, StoreChange } from './file-store.js';
import { type FolderLayout, prepareFolder, pruneEmpty } from './folder.js';
import { withKeyLock } from './key-lock.js';
import { assertKey } from './key-path.js';
import {
  adoptObject,
  closeFile,
  type ObjectPaths,
  type OpenObject,
  objectPaths,
  openMatched,
} from './object-files.js';
import { SidecarCache } from './sidecar-cache.js';
import type { EnforcedLimits } from './validate.js';

// A reader retries this often when writes replace an object faster than it can open it.
const READ_ATTEMPTS = 4;
// Folders remembered as existing, at most; past that the memory starts again empty.
const KNOWN_FOLDERS = 10_000;
// Errors thrown by hooks reach the caller as they are, never wrapped as filesystem failures.
const hookErrors = new WeakSet<object>();

/**
 * What every operation of one file store shares: its folder, limits and hooks, the lazily
 * prepared folder layout, key locks, consistent opening, and the mapping of filesystem
 * failures to cloudport errors.
 */
export class StoreContext {
  readonly dir: string;
  readonly bucket: string;
  readonly limits: EnforcedLimits;
  readonly sync: boolean;
  /** Sidecars written or read lately; see {@link SidecarCache} for when they are used. */
  readonly sidecars = new SidecarCache();
  readonly #hooks: FileStoreHooks;
  #layout: Promise<FolderLayout> | undefined;
  readonly #folders = new Set<string>();
  readonly #pool: SpareFiles | undefined;
  #spares: SpareFiles | undefined;

  constructor(
    dir: string,
    bucket: string,
    limits: EnforcedLimits,
    hooks: FileStoreHooks,
    sync: boolean,
    spares?: SpareFiles,
  ) {
    this.dir = dir;
    this.bucket = bucket;
    this.limits = limits;
    this.#hooks = hooks;
    this.sync = sync;
    this.#pool = spares;
  }

  /** Prepares the folder once; a failed preparation (a permission error) is retried. */
  ready(): Promise<FolderLayout> {
    if (this.#layout === undefined) {
      const pending = prepareFolder(this.dir).then(async (layout) => {
        const pool = this.#pool;
        this.#spares = pool !== undefined && (await pool.serves(this.dir)) ? pool : undefined;
        return layout;
      });
      pending.catch(() => {
        if (this.#layout === pending) this.#layout = undefined;
      });
      this.#layout = pending;
    }

    return this.#layout;
  }

  /**
   * True when this store made or saw the folder, so that a write into it needs no mkdir call.
   * A folder removed behind the store's back fails that write's first file call with ENOENT;
   * the writer then forgets it and makes it again.
   */
  knowsFolder(path: string): boolean {
    return this.#folders.has(path);
  }

  rememberFolder(path: string): void {
    if (this.#folders.size >= KNOWN_FOLDERS) this.#folders.clear();
    this.#folders.add(path);
  }

  forgetFolder(path: string): void {
    this.#folders.delete(path);
  }

  /** Removes `from` and its parents while they are empty, and forgets them as folders. */
  prune(from: string): Promise<void> {
    return pruneEmpty(this.dir, from, (path) => this.forgetFolder(path));
  }

  /**
   * A spare file to stage a write in, when the store has a pool on its filesystem with one
   * left; call after {@link ready}.
   */
  takeSpare(): string | undefined {
    return this.#spares?.take();
  }

  /** Where the key's files live in this folder. */
  async paths(key: string): Promise<ObjectPaths> {
    return objectPaths(this.dir, key, (await this.ready()).fold);
  }

  /** Throws `INVALID_KEY` for a key no provider accepts or that breaks the profile's limit. */
  checkKey(key: string): void {
    assertKey(key, this.limits.maxKeyBytes, this.limits.profile);
  }

  /** Runs `task` alone among the tasks on the same key, across instances on this folder. */
  locked<T>(key: string, task: () => Promise<T>): Promise<T> {
    return withKeyLock(`${this.dir}\u0000${key}`, task);
  }

  /**
   * Opens an object's data file with the record describing it; undefined when there is none.
   * A data file no record describes (edited by hand) is adopted under the key's lock.
   */
  async open(key: string, paths: ObjectPaths, holdsLock: boolean) {
    const found = await openMatched(paths, READ_ATTEMPTS, this.sidecars);
    if (found !== null) return found;

    const { staging } = await this.ready();
    const adopt = async (): Promise<OpenObject | undefined> => {
      const again = await openMatched(paths, 1, this.sidecars);
      if (again !== null) return again;

      return adoptObject(key, paths, staging, { sync: this.sync, sidecars: this.sidecars });
    };

    return holdsLock ? adopt() : this.locked(key, adopt);
  }

  /** Like {@link open}, but throws `OBJECT_NOT_FOUND` for a missing object. */
  async openExisting(key: string): Promise<OpenObject> {
    const opened = await this.open(key, await this.paths(key), false);
    if (opened === undefined) {
      throw new ObjectNotFoundError(this.bucket, key, { provider: 'local' });
    }

    return opened;
  }

  /** The record of the current version, or undefined when the key holds no object. */
  async current(key: string, paths: ObjectPaths, holdsLock: boolean) {
    const opened = await this.open(key, paths, holdsLock);
    if (opened === undefined) return undefined;
    closeFile(opened.fd);

    return opened.record;
  }

  /** Awaits the beforeCommit hook; its errors are marked to pass through {@link guard}. */
  async notify(change: StoreChange): Promise<void> {
    const hook = this.#hooks.beforeCommit;
    if (hook === undefined) return;
    try {
      await hook.call(this.#hooks, change);
    } catch (error) {
      if (typeof error === 'object' && error !== null) hookErrors.add(error);
      throw error;
    }
  }

  /** A `PRECONDITION_FAILED` error for a write to `key`, explained by `detail`. */
  conflict(key: string, detail: string): PreconditionFailedError {
    return new PreconditionFailedError(this.bucket, key, detail, { provider: 'local' });
  }

  /** Runs an operation, mapping filesystem failures to cloudport errors; others pass through. */
  async guard<T>(key: string | undefined, action: string, task: () => Promise<T>): Promise<T> {
    try {
      return await task();
    } catch (error) {
      if (error instanceof CloudportError || hookErrors.has(error as object)) throw error;
      const failure = error as NodeJS.ErrnoException;
      if (key !== undefined && failure?.code === 'ENAMETOOLONG') {
        throw new InvalidKeyError(
          key,
          'its path in the bucket folder is longer than this filesystem allows; shorten the ' +
            'key or move the bucket folder to a shorter path.',
          { provider: 'local', cause: error },
        );
      }
      if (typeof failure?.syscall !== 'string') throw error;
      const subject = key === undefined ? '' : ` ${JSON.stringify(key)}`;
      throw new ProviderError(
        `${action}${subject} in ${this.bucket} failed: ${failure.message}. Check that ` +
          `${this.dir} is writable and its disk has free space.`,
        { provider: 'local', cause: error },
      );
    }
  }
}
