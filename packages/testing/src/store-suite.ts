import {
  type CapabilityDeclaration,
  FEATURES,
  type FeatureId,
  type ObjectStore,
  supports,
} from '@cloudport/core';
import type { TestRunner } from './runner.js';
import { defineBasics, defineMetadata, definePreconditions, defineRanges } from './store-basics.js';
import {
  defineSignedUrls,
  defineUnsupported,
  type SignedPut,
  STORE_PROBES,
} from './store-features.js';
import { type Define, MIB } from './store-helpers.js';
import { defineKeys } from './store-keys.js';
import { defineCopy, defineListing } from './store-listing.js';
import { defineStreaming, type StreamMemoryBound } from './store-streaming.js';

/** Options of {@link storeConformance}. */
export interface StoreConformanceOptions {
  /** Names the suite's describe block, such as `local file store`. */
  name: string;
  /** The store's capability declaration; the suite holds the store to what it says. */
  capabilities: CapabilityDeclaration;
  /**
   * Returns a fresh, empty store. The suite calls it at the start of every test, so tests
   * never see each other's objects; a cloud store may return a new bucket or a new prefix.
   */
  create(): ObjectStore | Promise<ObjectStore>;
  /** Called after every test with the store that test created, to remove what it made. */
  cleanup?(store: ObjectStore): void | Promise<void>;
  /** Bytes of the object streamed in and out by the large-object tests; 0 skips them. */
  largeObjectBytes?: number;
  /**
   * Bytes of an upload in progress to `key` that the provider has received so far (parts or
   * blocks stored, bytes written to a staging file). With `store.stream-write` declared the
   * suite needs it: its source stops after 32 MiB until the provider has seen some of them.
   */
  uploadedBytes?(store: ObjectStore, key: string): Promise<number>;
  /**
   * A bound on live memory growth while streaming, for a store that cannot hold the default
   * ({@link MAX_STREAM_MEMORY_GROWTH}), with the reason; shown when the bound is broken.
   */
  streamMemory?: StreamMemoryBound;
  /**
   * Keys the provider refuses although other providers accept them, such as `.` and `..` on
   * Cloud Storage. They leave the round-trip case and must raise INVALID_KEY on put, get,
   * head, delete and copy instead.
   */
  refusedKeys?: ReadonlyArray<string>;
  /**
   * How a PUT through a signed URL is sent: with the headers the provider requires (Azure:
   * `x-ms-blob-type: BlockBlob`), or `false` for a store whose signed URLs only read.
   * Defaults to a plain PUT of the bytes.
   */
  signedPut?: SignedPut;
  /** Multiplies the waits of the streaming cases, for slow servers. Defaults to 1. */
  timeScale?: number;
}

/** Default size of the large streamed object. */
export const DEFAULT_LARGE_OBJECT_BYTES = 256 * MIB;

/**
 * The object store conformance suite: every store, official or custom, runs it in its own
 * tests with whatever runner it uses. Assertions use `node:assert/strict` only. Features the
 * capability declaration supports (fully or partly) must pass their cases; features it declares
 * `no` must raise `UNSUPPORTED`. A range starting past the last byte must raise
 * `INVALID_CONFIG`.
 *
 * @example
 * import { describe, it } from 'vitest';
 * storeConformance({ describe, it }, {
 *   name: 'my store',
 *   capabilities: MY_CAPABILITIES,
 *   create: () => createMyStore({ bucket: `test-${randomUUID()}` }),
 *   uploadedBytes: (store, key) => myServer.bytesReceived(key),
 * });
 */
export function storeConformance(runner: TestRunner, options: StoreConformanceOptions): void {
  const on = (feature: FeatureId) => supports(options.capabilities, feature);
  const test: Define = (name, body, timeout) =>
    runner.it(
      name,
      async () => {
        const store = await options.create();
        try {
          await body(store);
        } finally {
          await options.cleanup?.(store);
        }
      },
      timeout,
    );

  runner.describe(`${options.name}: store conformance`, () => {
    runner.describe('reads and writes', () => defineBasics(test, on));
    runner.describe('keys', () => defineKeys(test, on, options.refusedKeys));
    if (on('store.create-only') || on('store.if-match')) {
      runner.describe('preconditions', () => definePreconditions(test, on));
    }
    if (on('store.metadata')) runner.describe('metadata', () => defineMetadata(test, on));
    if (on('store.range-read')) runner.describe('ranged reads', () => defineRanges(test));
    if (on('store.list')) runner.describe('listing', () => defineListing(test));
    if (on('store.copy')) runner.describe('copy', () => defineCopy(test, on));
    if (on('store.signed-url')) {
      runner.describe('signed URLs', () => defineSignedUrls(test, options.signedPut));
    }
    const unsupported = FEATURES.map((feature) => feature.id).filter(
      (id) => id in STORE_PROBES && !on(id),
    );
    if (unsupported.length > 0) {
      runner.describe('declared unsupported', () => defineUnsupported(test, unsupported));
    }
    const bytes = options.largeObjectBytes ?? DEFAULT_LARGE_OBJECT_BYTES;
    if (bytes > 0 && on('store.stream-write')) {
      runner.describe('streaming', () =>
        defineStreaming(test, {
          bytes,
          bound: options.streamMemory,
          uploadedBytes: options.uploadedBytes?.bind(options),
          timeScale: options.timeScale ?? 1,
        }),
      );
    }
  });
}
