import { randomUUID } from 'node:crypto';
import { BlobServiceClient } from '@azure/storage-blob';
import { readAll } from '@cloudport/core';
import { storeConformance } from '@cloudport/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AZURE_CAPABILITIES, createBlobStore } from '../src/index.js';
import { type Azurite, startAzurite } from './helpers/azurite.js';

const LARGE_OBJECT_BYTES = 64 * 1024 * 1024;

let azurite: Azurite;
let service: BlobServiceClient;

beforeAll(async () => {
  azurite = await startAzurite();
  service = BlobServiceClient.fromConnectionString(azurite.connectionString);
});

afterAll(async () => {
  await azurite?.stop();
});

async function freshStore(options: { client?: boolean } = {}) {
  const container = `c${randomUUID().replaceAll('-', '')}`;
  await service.getContainerClient(container).create();
  if (options.client) return createBlobStore({ bucket: 'conf', container, client: service });

  return createBlobStore({ bucket: 'conf', container, connectionString: azurite.connectionString });
}

storeConformance(
  { describe, it },
  {
    name: 'azure blob on azurite',
    capabilities: AZURE_CAPABILITIES,
    create: () => freshStore(),
    // In-process Azurite keeps the blob in this process's memory, so memory growth counts the
    // server's copy as well as the store's buffers; bench/blob-stream-memory.mjs measures the
    // store alone with 1 GiB and Azurite elsewhere.
    largeObjectBytes: LARGE_OBJECT_BYTES,
    streamMemory: {
      maxGrowthBytes: LARGE_OBJECT_BYTES + 32 * 1024 * 1024,
      reason: 'in-process Azurite holds the whole blob in this process; the store adds its blocks',
    },
    uploadedBytes: async (store, key) => {
      const container = service.getContainerClient(
        (store as unknown as { container: string }).container,
      );
      const blob = container.getBlockBlobClient(key);
      const list = await blob.getBlockList('uncommitted').catch(() => undefined);
      return (list?.uncommittedBlocks ?? []).reduce((sum, block) => sum + block.size, 0);
    },
    // Service SAS PUTs create block blobs only when the request names the blob type.
    signedPut: { headers: { 'x-ms-blob-type': 'BlockBlob' } },
  },
);

describe('azure blob store', () => {
  it('reports a missing container as INVALID_CONFIG naming it', async () => {
    const store = createBlobStore({
      bucket: 'gone',
      container: 'no-such-container',
      client: service,
    });
    await expect(store.head('x')).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      provider: 'azure',
    });
  });

  it('keeps the service error as the cause of a translated error', async () => {
    const store = await freshStore({ client: true });
    const error = await store.get('missing').catch((failure) => failure);
    expect(error).toMatchObject({ code: 'OBJECT_NOT_FOUND', provider: 'azure' });
    expect((error as Error).cause).toMatchObject({ statusCode: 404 });
  });

  it('signs GET URLs that a plain fetch can read', async () => {
    const store = await freshStore();
    await store.put('signed.txt', 'hello');
    const url = await store.signedUrl('signed.txt', { expiresInSeconds: 60 });
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('hello');
  });

  it('signs PUT URLs that create a block blob', async () => {
    const store = await freshStore();
    const url = await store.signedUrl('uploaded.txt', { method: 'PUT' });
    const response = await fetch(url, {
      method: 'PUT',
      body: 'from a signed URL',
      headers: { 'x-ms-blob-type': 'BlockBlob' },
    });
    expect(response.status).toBe(201);
    expect((await readAll((await store.get('uploaded.txt')).body)).toString()).toBe(
      'from a signed URL',
    );
  });

  it('stores dot segments, backslashes and high characters under reversible names', async () => {
    const store = await freshStore();
    await store.put('a/../b', 'dots');
    await store.put('back\\slash', 'backslash');
    const names: string[] = [];
    const container = service.getContainerClient(
      (store as unknown as { container: string }).container,
    );
    for await (const blob of container.listBlobsFlat()) names.push(blob.name);
    expect(names.sort()).toEqual(['a/.. /b', 'back[\uE000slash']);
  });

  it('rejects metadata Azure cannot store with INVALID_CONFIG before sending', async () => {
    const store = await freshStore();
    await expect(
      store.put('m', 'x', { metadata: { 'not-an-identifier': 'v' } }),
    ).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
    });
    await expect(store.put('m', 'x', { metadata: { ok: 'non-ASCII é' } })).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
    });
  });

  it('deletes a blob that has snapshots, snapshots included', async () => {
    const store = await freshStore();
    await store.put('kept/report.csv', 'a,b\n');
    const container = service.getContainerClient(
      (store as unknown as { container: string }).container,
    );
    await container.getBlobClient('kept/report.csv').createSnapshot();
    await store.delete('kept/report.csv');
    const left: string[] = [];
    for await (const blob of container.listBlobsFlat({ includeSnapshots: true })) {
      left.push(blob.name);
    }
    expect(left).toEqual([]);
    await expect(store.head('kept/report.csv')).rejects.toMatchObject({ code: 'OBJECT_NOT_FOUND' });
  });
});
