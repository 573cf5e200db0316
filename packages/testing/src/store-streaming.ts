import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { ObjectStore } from '@cloudport/core';
import { sleep } from './assertions.js';
import { type MemoryTracker, trackLiveMemory } from './memory.js';
import { type Define, MIB, mib } from './store-helpers.js';

/**
 * Most the memory the process holds on to (heap and buffers after a full collection) may grow
 * while a large object streams through a store, unless the store declares its own bound.
 * Measured with 256 MiB objects: the local store grows about 20 MiB writing, the Cloud
 * Storage store 16 MiB (one resumable request), and reads 2 MiB or less. A store that uploads
 * several large parts at once (S3 multipart: 4 parts of 8 MiB in flight, with the part being
 * filled and the request copies, about 70 MiB) declares its own.
 */
export const MAX_STREAM_MEMORY_GROWTH = 48 * MIB;

/** A store's own bound on memory growth while streaming, with the reason it needs one. */
export interface StreamMemoryBound {
  maxGrowthBytes: number;
  reason: string;
}

/** What the streaming cases need from the implementation. */
export interface StreamingSetup {
  bytes: number;
  bound: StreamMemoryBound | undefined;
  uploadedBytes: ((store: ObjectStore, key: string) => Promise<number>) | undefined;
  timeScale: number;
}

// The source stops after this much until the provider has received part of the upload: more
// than a store needs to fill its first part or block, less than the memory bound.
const HOLD_BYTES = 32 * MIB;
const HOLD_WAIT_MS = 30_000;
const KEY = 'large/object.bin';

/** A numbered 1 MiB chunk: dropped or reordered chunks change the hash. */
function chunkAt(block: Buffer, offset: number, total: number): Buffer {
  const chunk = Buffer.from(block.subarray(0, Math.min(MIB, total - offset)));
  if (chunk.length >= 8) chunk.writeDoubleBE(offset, 0);

  return chunk;
}

function limitOf(setup: StreamingSetup): { bytes: number; why: string } {
  if (!setup.bound) return { bytes: MAX_STREAM_MEMORY_GROWTH, why: 'the suite default' };

  return { bytes: setup.bound.maxGrowthBytes, why: setup.bound.reason };
}

function checkGrowth(memory: MemoryTracker, setup: StreamingSetup, what: string): void {
  const limit = limitOf(setup);
  const peak = memory.stop();
  assert.ok(
    peak <= limit.bytes,
    `${what} ${mib(setup.bytes)}, live memory grew by ${mib(peak)}, over the ` +
      `${mib(limit.bytes)} bound (${limit.why}): the store buffered the data`,
  );
}

/** Writes the large object from a plain generator, without watching; returns its hash. */
async function writeQuietly(store: ObjectStore, total: number): Promise<string> {
  const block = randomBytes(MIB);
  const hash = createHash('sha256');
  await store.put(
    KEY,
    (async function* () {
      for (let offset = 0; offset < total; offset += MIB) {
        const chunk = chunkAt(block, offset, total);
        hash.update(chunk);
        yield chunk;
      }
    })(),
  );

  return hash.digest('hex');
}

// Memory is measured every this many bytes as well as on a timer: each measurement collects.
const SAMPLE_EVERY = 4 * MIB;

/**
 * Reads the object, running `onChunk` on each chunk, and measuring memory every few MiB;
 * returns the hash, the bytes and the chunk count.
 */
async function readWith(
  body: Readable,
  memory: MemoryTracker | undefined,
  onChunk: (chunk: Buffer, index: number) => unknown,
) {
  const hash = createHash('sha256');
  let bytes = 0;
  let chunks = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    await onChunk(chunk, chunks);
    if (Math.floor((bytes + chunk.length) / SAMPLE_EVERY) > Math.floor(bytes / SAMPLE_EVERY)) {
      memory?.sample();
    }
    chunks += 1;
    bytes += chunk.length;
    hash.update(chunk);
  }

  return { hash: hash.digest('hex'), bytes, chunks };
}

/** The large-object cases: a watched streaming write, a streaming read and a slow reader. */
export function defineStreaming(test: Define, setup: StreamingSetup): void {
  const size = `${Math.round(setup.bytes / MIB)} MiB`;
  const timeout = 600_000 * setup.timeScale;

  test(
    `a ${size} streamed write reaches the provider before the source ends, in bounded memory`,
    (store) => watchedWrite(store, setup),
    timeout,
  );

  test(
    `a ${size} read streams: the first chunk comes before the object is in memory`,
    async (store) => {
      const written = await writeQuietly(store, setup.bytes);
      const memory = trackLiveMemory();
      const { info, body } = await store.get(KEY);
      assert.equal(info.size, setup.bytes);
      let first = 0;
      const read = await readWith(body, memory, (chunk, index) => {
        if (index > 0) return;
        first = memory.sample();
        assert.ok(chunk.length < setup.bytes, 'the body came as one whole buffer');
      });
      checkGrowth(memory, setup, 'reading');
      assert.ok(
        first <= limitOf(setup).bytes,
        `when the first chunk arrived the store held ${mib(first)}: it read ahead of the reader`,
      );
      assert.equal(read.bytes, setup.bytes);
      assert.ok(read.chunks > 1, 'the body arrived as one chunk');
      assert.equal(read.hash, written, 'the bytes read differ from those written');
    },
    timeout,
  );

  test(
    `a slow reader of ${size} holds memory flat: the store waits for it`,
    async (store) => {
      const written = await writeQuietly(store, setup.bytes);
      const memory = trackLiveMemory();
      const { body } = await store.get(KEY);
      const read = await readWith(body, memory, async (_chunk, index) => {
        // A long pause after the first chunk, then a reader slower than any provider.
        if (index === 0) await pauseUntilSteady(memory, setup);
        if (index < 64) await sleep(5);
      });
      checkGrowth(memory, setup, 'reading slowly');
      assert.equal(read.bytes, setup.bytes);
      assert.equal(read.hash, written, 'the bytes read differ from those written');
    },
    timeout,
  );
}

/**
 * The slow reader's pause: at least a second, and on while live memory still grows and stays
 * within the bound, so that a store reading ahead on a busy machine has the time to show it.
 */
async function pauseUntilSteady(memory: MemoryTracker, setup: StreamingSetup): Promise<void> {
  const step = 250 * setup.timeScale;
  const deadline = Date.now() + 10_000 * setup.timeScale;
  const bound = limitOf(setup).bytes;
  let last = memory.sample();
  for (let steps = 1; Date.now() < deadline; steps += 1) {
    await sleep(step);
    const growth = memory.sample();
    if (growth > bound) return;
    if (steps >= 4 && growth - last < MIB) return;
    last = growth;
  }
}

async function watchedWrite(store: ObjectStore, setup: StreamingSetup): Promise<void> {
  const { uploadedBytes, bytes: total } = setup;
  assert.ok(
    uploadedBytes,
    'store.stream-write is declared: pass uploadedBytes to the suite, so that it can see ' +
      'the upload reach the provider while the source is still producing',
  );
  const probe = uploadedBytes;
  const hold = Math.min(HOLD_BYTES, Math.floor(total / 2));
  const block = randomBytes(MIB);
  const hash = createHash('sha256');
  let held = false;
  let seenWhileHeld = 0;
  let produced = 0;
  const memory = trackLiveMemory();
  async function* source() {
    for (let offset = 0; offset < total; offset += MIB) {
      if (offset >= hold && !held) {
        held = true;
        seenWhileHeld = await waitForUpload(store, probe, setup.timeScale);
      }
      const chunk = chunkAt(block, offset, total);
      hash.update(chunk);
      produced += chunk.length;
      if (offset % SAMPLE_EVERY === 0) memory.sample();
      yield chunk;
    }
  }

  try {
    await store.put(KEY, source(), { contentType: 'application/octet-stream' });
  } finally {
    memory.stop();
  }
  assert.equal(produced, total);
  assert.ok(
    seenWhileHeld > 0,
    `the source held after ${mib(hold)} for ${HOLD_WAIT_MS * setup.timeScale} ms, and none ` +
      'of it reached the provider: the store reads the whole source before it uploads',
  );
  checkGrowth(memory, setup, 'writing');
  assert.equal((await store.head(KEY)).size, total);
  const { body } = await store.get(KEY);
  assert.equal((await readWith(body, undefined, () => undefined)).hash, hash.digest('hex'));
}

/** Polls the provider's view of the upload until some of it arrived; 0 when none did. */
async function waitForUpload(
  store: ObjectStore,
  uploadedBytes: (store: ObjectStore, key: string) => Promise<number>,
  timeScale: number,
): Promise<number> {
  const deadline = Date.now() + HOLD_WAIT_MS * timeScale;
  for (;;) {
    const seen = await uploadedBytes(store, KEY);
    if (seen > 0 || Date.now() >= deadline) return seen;
    await sleep(25);
  }
}
