import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { createS3Store } from '../src/storage/s3.js';

const config = {
  region: 'eu-west-1',
  endpoint: 'http://127.0.0.1:9',
  forcePathStyle: true,
  credentials: { accessKeyId: 'AKIDSIGNTEST', secretAccessKey: 'secret' },
};
const CHECKSUM = /^x-amz-(?:checksum-|sdk-checksum-algorithm$)/i;

function checksumParameters(url: string): string[] {
  return [...new URL(url).searchParams.keys()].filter((name) => CHECKSUM.test(name));
}

describe('signed URLs carry no flexible checksum', () => {
  for (const method of ['PUT', 'GET'] as const) {
    it(`a ${method} URL from the store's own client names no checksum`, async () => {
      const store = createS3Store({
        bucket: 'uploads',
        physicalName: 'acme',
        clientConfig: config,
      });

      const url = await store.signedUrl('in/a b.csv', { method, contentType: 'text/csv' });

      expect(checksumParameters(url)).toEqual([]);
      expect(new URL(url).searchParams.get('X-Amz-SignedHeaders')).toBe('host');
    });
  }

  it('an injected client asking for checksums when supported signs without one', async () => {
    const client = new S3Client({ ...config, requestChecksumCalculation: 'WHEN_SUPPORTED' });
    const store = createS3Store({ bucket: 'uploads', physicalName: 'acme', client });

    const url = new URL(await store.signedUrl('a.csv', { method: 'PUT', expiresInSeconds: 60 }));

    expect(checksumParameters(url.href)).toEqual([]);
    expect(url.pathname).toBe('/acme/a.csv');
    // The injected client signs: its own credentials and region are in the URL.
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(
      /^AKIDSIGNTEST\/\d{8}\/eu-west-1\/s3\//,
    );
    expect(url.searchParams.get('X-Amz-Expires')).toBe('60');
    client.destroy();
  });

  it('refuses to hand out a URL that a client middleware tied to a checksum', async () => {
    const client = new S3Client(config);
    client.middlewareStack.add(
      (next) => (args) => {
        const request = args.request as { headers: Record<string, string> };
        request.headers['x-amz-checksum-sha256'] = 'AAAA';
        return next(args);
      },
      { step: 'build', name: 'addChecksumForTest' },
    );
    const store = createS3Store({ bucket: 'uploads', client });

    const error = await store.signedUrl('a.csv', { method: 'PUT' }).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'PROVIDER_ERROR', provider: 'aws' });
    expect((error as Error).message).toContain('x-amz-checksum-sha256');
    client.destroy();
  });
});
