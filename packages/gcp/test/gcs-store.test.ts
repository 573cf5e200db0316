import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCloudportError, type ObjectStore, readAll } from '@cloudport/core';
import { storeConformance } from '@cloudport/testing';
import { ApiError, CRC32C, Storage } from '@google-cloud/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GcsServer, startGcsServer } from '../../../test/gcs-server/server.mjs';
import { createCrc32cValidator, createGcsStore, GCP_CAPABILITIES } from '../src/index.js';

process.env.METADATA_SERVER_DETECTION = 'none';

const keyPair = generateKeyPairSync('rsa', { modulusLength: 2048 });
const credentials = {
  client_email: 'signer@demo.iam.gserviceaccount.com',
  private_key: keyPair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
};
/** Object names Cloud Storage refuses (cloud.google.com/storage/docs/objects#naming). */
const REFUSED_KEYS = ['.', '..'];
/** Awkward keys Cloud Storage accepts, round-tripped below beside the names it refuses. */
const AWKWARD_KEYS_GCS_ACCEPTS = [
  'with space.txt',
  'plus+sign.txt',
  'percent%.txt',
  'encoded%2B.txt',
  '%',
  'ünï/ç ødé 🚀.txt',
  'ends-with-slash/',
  '/leading-slash',
  'double//slash',
  '../escape',
  'a/../../b',
  './here',
  '...',
  'quote\'"`.txt',
  'back\\slash',
  'colon:star*question?.txt',
  'trailing dot.',
  'trailing space ',
  'k'.repeat(1024),
  '🚀'.repeat(256),
  `${'a/'.repeat(511)}z`,
];

let server: GcsServer;
let dir: string;
let storage: Storage;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gcs-server-'));
  server = await startGcsServer({ dir, signingKey: keyPair.publicKey });
  storage = new Storage({ apiEndpoint: server.url, projectId: 'demo', credentials });
});

afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function freshBucket(client: Storage = storage): { store: ObjectStore; physicalName: string } {
  const physicalName = `conf-${randomUUID().slice(0, 8)}`;
  server.createBucket(physicalName);
  return { store: createGcsStore({ bucket: 'conf', physicalName, client }), physicalName };
}

function freshStore(client?: Storage): ObjectStore {
  return freshBucket(client).store;
}

async function codeOf(action: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await action();
  } catch (error) {
    return isCloudportError(error) ? error.code : String(error);
  }
  return undefined;
}

/** Bytes in the server's content files made since `before` was listed: uploads in progress. */
async function newContentBytes(before: ReadonlySet<string>): Promise<number> {
  let bytes = 0;
  for (const name of await readdir(dir)) {
    if (before.has(name) || !name.endsWith('.blob')) continue;
    bytes += (await stat(join(dir, name)).catch(() => ({ size: 0 }))).size;
  }

  return bytes;
}

const contentAtStart = new WeakMap<ObjectStore, Set<string>>();

storeConformance(
  { describe, it },
  {
    name: 'GCS on the test server',
    capabilities: GCP_CAPABILITIES,
    create: async () => {
      const store = freshStore();
      contentAtStart.set(store, new Set(await readdir(dir)));
      return store;
    },
    refusedKeys: REFUSED_KEYS,
    uploadedBytes: (store) => newContentBytes(contentAtStart.get(store) ?? new Set()),
    // The full default size: content goes to files in the server, so only the client's
    // buffers count against the memory bound.
    largeObjectBytes: 256 * 1024 * 1024,
  },
);

describe('GCS store beyond the suite', () => {
  it('round-trips the other awkward keys and refuses names Cloud Storage forbids', async () => {
    const store = freshStore();
    for (const key of AWKWARD_KEYS_GCS_ACCEPTS) await store.put(key, `content of ${key}`);
    for (const key of AWKWARD_KEYS_GCS_ACCEPTS) {
      const { body } = await store.get(key);
      expect((await readAll(body)).toString('utf8')).toBe(`content of ${key}`);
    }
    for (const key of [...REFUSED_KEYS, '.well-known/acme-challenge/token']) {
      expect(await codeOf(() => store.put(key, 'x'))).toBe('INVALID_KEY');
      expect(await codeOf(() => store.head(key))).toBe('INVALID_KEY');
    }
  });

  it('uses the generation as the ETag and accepts Cloud Storage etags for ifMatch', async () => {
    const { store, physicalName } = freshBucket();
    const first = await store.put('doc.txt', 'v1');
    expect(first.etag).toMatch(/^[1-9][0-9]*$/);
    const [metadata] = await storage.bucket(physicalName).file('doc.txt').getMetadata();
    expect(String(metadata.generation)).toBe(first.etag);
    await store.put('doc.txt', 'v2', { ifMatch: String(metadata.etag) });
    expect(await codeOf(() => store.put('doc.txt', 'v3', { ifMatch: String(metadata.etag) }))).toBe(
      'PRECONDITION_FAILED',
    );
  });

  it("keeps the client's own error as the cause of translated errors", async () => {
    const store = freshStore();
    const missing = await store.head('missing.txt').catch((error: unknown) => error);
    expect(missing).toMatchObject({
      code: 'OBJECT_NOT_FOUND',
      provider: 'gcp',
      key: 'missing.txt',
    });
    expect((missing as Error).cause).toBeInstanceOf(ApiError);
    expect((missing as Error).cause).toMatchObject({ code: 404 });
    await store.put('taken.txt', 'x');
    const taken = await store.put('taken.txt', 'y', { createOnly: true }).catch((e: unknown) => e);
    expect(taken).toMatchObject({ code: 'PRECONDITION_FAILED', provider: 'gcp' });
    expect((taken as Error).cause).toMatchObject({ code: 412 });
  });

  it('fails a precondition on a missing key with PRECONDITION_FAILED, any ETag', async () => {
    const { store, physicalName } = freshBucket();
    await store.put('gone.txt', 'soon deleted');
    await store.put('source.txt', 'source');
    const [metadata] = await storage.bucket(physicalName).file('gone.txt').getMetadata();
    const cloudEtag = String(metadata.etag);
    const generation = (await store.head('gone.txt')).etag;
    await store.delete('gone.txt');
    for (const ifMatch of [cloudEtag, generation]) {
      await expect(store.put('gone.txt', 'x', { ifMatch })).rejects.toMatchObject({
        code: 'PRECONDITION_FAILED',
        provider: 'gcp',
        key: 'gone.txt',
      });
      await expect(store.copy('source.txt', 'gone.txt', { ifMatch })).rejects.toMatchObject({
        code: 'PRECONDITION_FAILED',
        key: 'gone.txt',
      });
    }
    expect(await codeOf(() => store.head('gone.txt'))).toBe('OBJECT_NOT_FOUND');
  });

  it('copies with a new content type alone and keeps the custom metadata', async () => {
    const { store, physicalName } = freshBucket();
    const metadata = { owner: 'ana', stage: 'raw' };
    await store.put('source.csv', 'a,b\n', { contentType: 'text/csv', metadata });
    const bucket = storage.bucket(physicalName);
    await bucket.file('source.csv').setMetadata({ cacheControl: 'no-store' });
    await store.copy('source.csv', 'typed.csv', { contentType: 'text/plain' });
    const typed = await store.head('typed.csv');
    expect(typed.contentType).toBe('text/plain');
    expect(typed.metadata).toEqual(metadata);
    const [raw] = await bucket.file('typed.csv').getMetadata();
    expect(raw.cacheControl).toBe('no-store');
    await store.copy('source.csv', 'tagged.csv', { metadata: { owner: 'bo' } });
    const tagged = await store.head('tagged.csv');
    expect(tagged.contentType).toBe('text/csv');
    expect(tagged.metadata).toEqual({ owner: 'bo' });
  });

  it('has the test server replace, not merge, metadata on a rewrite with a resource', async () => {
    const { physicalName } = freshBucket();
    const bucket = storage.bucket(physicalName);
    await bucket
      .file('a.txt')
      .save('a', { contentType: 'text/csv', metadata: { metadata: { k: 'v' } } });
    await bucket.file('a.txt').copy(bucket.file('plain.txt'));
    await bucket.file('a.txt').copy(bucket.file('typed.txt'), { contentType: 'text/plain' });
    const [plain] = await bucket.file('plain.txt').getMetadata();
    const [typed] = await bucket.file('typed.txt').getMetadata();

    expect([plain.contentType, plain.metadata]).toEqual(['text/csv', { k: 'v' }]);
    expect([typed.contentType, typed.metadata]).toEqual(['text/plain', undefined]);
  });

  it('copies the generation it described when the source is overwritten meanwhile', async () => {
    const { store, physicalName } = freshBucket();
    await store.put('moving.txt', 'first', { metadata: { version: '1' } });
    const source = storage.bucket(physicalName).file('moving.txt');
    const getMetadata = source.getMetadata.bind(source);
    let overwritten = false;
    const client = {
      bucket: () => ({
        file: (key: string, options?: { generation?: string }) => {
          const real = storage.bucket(physicalName).file(key, options);
          if (key !== 'moving.txt' || options?.generation || overwritten) return real;
          // Overwrite the source right after the store has described it.
          real.getMetadata = (async () => {
            const described = await getMetadata();
            overwritten = true;
            await store.put('moving.txt', 'second', { metadata: { version: '2' } });
            return described;
          }) as typeof real.getMetadata;
          return real;
        },
      }),
    } as unknown as Storage;
    const racing = createGcsStore({ bucket: 'conf', physicalName, client });
    await racing.copy('moving.txt', 'copy.txt', { contentType: 'text/plain' });
    const { info, body } = await store.get('copy.txt');

    expect((await readAll(body)).toString('utf8')).toBe('second');
    expect(info.metadata).toEqual({ version: '2' });
  });

  it('checks createOnly and ifMatch on resumable uploads, at start and at end', async () => {
    const physicalName = `conf-${randomUUID().slice(0, 8)}`;
    server.createBucket(physicalName);
    const store = createGcsStore({
      bucket: 'conf',
      physicalName,
      client: storage,
      resumableThreshold: 64 * 1024,
    });
    const big = (fill: number) => Buffer.alloc(256 * 1024, fill);
    const created = await store.put('big.bin', big(1), { createOnly: true });
    await expect(store.put('big.bin', big(2), { createOnly: true })).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
    });
    const replaced = await store.put('big.bin', big(3), { ifMatch: created.etag });
    expect(replaced.etag).not.toBe(created.etag);
    await expect(store.put('big.bin', big(4), { ifMatch: created.etag })).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
    });

    // A streamed write whose precondition held when it started loses to a write that lands
    // before its last byte.
    let release: () => void = () => {};
    const paused = new Promise<void>((resolve) => {
      release = resolve;
    });
    const streamed = store.put(
      'big.bin',
      (async function* () {
        yield big(5);
        await paused;
        yield big(6);
      })(),
      { ifMatch: replaced.etag },
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const winner = await store.put('big.bin', 'small and quick');
    release();
    await expect(streamed).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    const head = await store.head('big.bin');
    expect(head.etag).toBe(winner.etag);
    expect(head.size).toBe(15);
  });

  it('keeps other requests in flight working while downloads are stopped early', async () => {
    const physicalName = `conf-${randomUUID().slice(0, 8)}`;
    server.createBucket(physicalName);
    // One-request uploads of 8 MiB stay in flight for a while on the client's shared agent.
    const store = createGcsStore({
      bucket: 'conf',
      physicalName,
      client: storage,
      resumableThreshold: 16 * 1024 * 1024,
    });
    const payload = randomBytes(8 * 1024 * 1024);
    await store.put('big.bin', payload);
    for (let round = 0; round < 5; round++) {
      const { body } = await store.get('big.bin');
      await new Promise((resolve) => body.once('data', resolve));
      const upload = store.put(`upload-${round}.bin`, payload);
      await new Promise((resolve) => setTimeout(resolve, 5));
      body.destroy();
      await upload;
    }
    expect((await store.list({ prefix: 'upload-' })).objects).toHaveLength(5);
  });

  it('uploads piece by piece with chunkSize, resuming after each 308', async () => {
    const physicalName = `conf-${randomUUID().slice(0, 8)}`;
    server.createBucket(physicalName);
    const store = createGcsStore({
      bucket: 'conf',
      physicalName,
      client: storage,
      chunkSize: 256 * 1024,
    });
    const parts = Array.from({ length: 5 }, () => randomBytes(200_000));
    await store.put(
      'chunked.bin',
      (async function* () {
        yield* parts;
      })(),
    );
    const { body } = await store.get('chunked.bin');

    expect(await readAll(body)).toEqual(Buffer.concat(parts));
  });

  it('stops a download when its signal aborts', async () => {
    const store = freshStore();
    await store.put('big.bin', randomBytes(2 * 1024 * 1024));
    const controller = new AbortController();
    const { body } = await store.get('big.bin', { signal: controller.signal });
    controller.abort(new Error('enough'));
    await expect(readAll(body)).rejects.toThrow('enough');
  });

  it('signs V4 URLs that the server accepts for reading and writing', async () => {
    const store = freshStore();
    await store.put('signed.txt', 'signed content');
    const read = await fetch(await store.signedUrl('signed.txt', { expiresInSeconds: 60 }));
    expect(read.status).toBe(200);
    expect(await read.text()).toBe('signed content');
    const url = await store.signedUrl('uploaded.txt', { method: 'PUT' });
    const write = await fetch(url, { method: 'PUT', body: 'sent through a signed URL' });
    expect(write.status).toBe(200);
    expect((await store.head('uploaded.txt')).size).toBe(25);
    const tampered = new URL(url);
    tampered.pathname = tampered.pathname.replace('uploaded', 'other');
    expect((await fetch(tampered, { method: 'PUT', body: 'x' })).status).toBe(403);
  });

  it('explains that signed URLs need credentials that can sign', async () => {
    const unsigned = new Storage({ apiEndpoint: server.url, projectId: 'demo' });
    const store = freshStore(unsigned);
    await expect(store.signedUrl('any.txt')).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringContaining('service-account key'),
    });
  });

  it('computes the same CRC32C as the client library, across split updates', () => {
    for (const size of [0, 1, 7, 8, 9, 1000, 65_537]) {
      const bytes = randomBytes(size);
      const ours = createCrc32cValidator();
      ours.update(bytes.subarray(0, size >> 1));
      ours.update(bytes.subarray(size >> 1));
      const theirs = new CRC32C();
      theirs.update(bytes);
      expect(ours.toString()).toBe(theirs.toString());
      expect(ours.validate(theirs.toString())).toBe(true);
    }
  });
});
