import { readFileSync } from 'node:fs';
import { queue } from '@cloudport/core';
import { describe, expect, it, vi } from 'vitest';
import { createBlobStore, createServiceBusQueue } from '../src/index.js';

// Both SDKs are missing here, as in an app that installed neither: loading one fails the way
// Node fails an import of a package that is not installed.
vi.mock('@azure/storage-blob', () => {
  throw Object.assign(new Error("Cannot find package '@azure/storage-blob'"), {
    code: 'ERR_MODULE_NOT_FOUND',
  });
});
vi.mock('@azure/service-bus', () => {
  throw Object.assign(new Error("Cannot find package '@azure/service-bus'"), {
    code: 'ERR_MODULE_NOT_FOUND',
  });
});

describe('the Azure SDKs as optional peer dependencies', () => {
  it('declares the storage and Service Bus SDKs optional, the Functions library required', () => {
    const manifest = JSON.parse(
      readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
    ) as { peerDependencies: Record<string, string>; peerDependenciesMeta?: object };
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual([
      '@azure/functions',
      '@azure/service-bus',
      '@azure/storage-blob',
    ]);
    expect(manifest.peerDependenciesMeta).toEqual({
      '@azure/storage-blob': { optional: true },
      '@azure/service-bus': { optional: true },
    });
  });

  it('fails the first send without @azure/service-bus with INVALID_CONFIG naming it', async () => {
    const rows = createServiceBusQueue({
      queue: queue('rows'),
      connectionString:
        'Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=v',
    });
    const error = await rows.send({ n: 1 }).catch((failure: unknown) => failure);
    expect(error).toMatchObject({ code: 'INVALID_CONFIG', provider: 'azure' });
    expect((error as Error).message).toMatch(/@azure\/service-bus is not installed/);
    expect((error as Error).message).toMatch(/npm install @azure\/service-bus/);
  });

  it('fails the first read without @azure/storage-blob with INVALID_CONFIG naming it', async () => {
    const store = createBlobStore({
      bucket: 'uploads',
      connectionString: 'UseDevelopmentStorage=true',
    });
    const error = await store.head('a.txt').catch((failure: unknown) => failure);
    expect(error).toMatchObject({ code: 'INVALID_CONFIG', provider: 'azure' });
    expect((error as Error).message).toMatch(/@azure\/storage-blob is not installed/);
    expect((error as Error).message).toMatch(/npm install @azure\/storage-blob/);
  });
});
