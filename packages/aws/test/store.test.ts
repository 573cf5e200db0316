import type { S3Client } from '@aws-sdk/client-s3';
import { AWS_CAPABILITIES, createS3Store, type S3Compatibility } from '@cloudport/aws';
import type { CapabilityDeclaration, ObjectStore } from '@cloudport/core';
import { storeConformance } from '@cloudport/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createBucket, removeBucket, s3ClientFor } from './support/clients.js';
import { motoStatus, startFauxqsProcess, startMoto, type TestServer } from './support/servers.js';

const MIB = 1024 * 1024;
const LOCALE_ORDER =
  'fauxqs 1.9.2 lists keys in localeCompare order, not UTF-8 byte order, and its ' +
  'continuation tokens then repeat or drop keys (moto passes this case)';

interface ServerCase {
  name: string;
  /** Suite cases the server cannot pass, by title, with the reason; they are skipped there. */
  gaps: Record<string, string>;
  start(): Promise<TestServer>;
  /** What this server lacks, passed to the store as it would be in production. */
  compatibility: S3Compatibility;
  capabilities: CapabilityDeclaration;
  largeObjectBytes: number;
}

/** The AWS declaration with the features a test server lacks turned off, saying why. */
function withoutFeatures(
  server: string,
  features: Partial<CapabilityDeclaration['features']>,
): CapabilityDeclaration {
  return {
    ...AWS_CAPABILITIES,
    title: `AWS on ${server}`,
    features: { ...AWS_CAPABILITIES.features, ...features },
  };
}

const cases: ServerCase[] = [
  {
    name: 'moto',
    start: startMoto,
    // moto 5.2 checks If-None-Match and If-Match on PutObject and CompleteMultipartUpload, but
    // ignores them on CopyObject, so conditional copies go through a conditional put.
    compatibility: { conditionalCopy: false },
    capabilities: withoutFeatures('moto', {}),
    gaps: {},
    largeObjectBytes: 256 * MIB,
  },
  {
    name: 'fauxqs',
    start: startFauxqsProcess,
    // fauxqs 1.9 ignores If-None-Match and If-Match everywhere: the store refuses them.
    compatibility: { conditionalWrites: false },
    capabilities: withoutFeatures('fauxqs', {
      'store.create-only': { support: 'no', note: 'fauxqs ignores If-None-Match' },
      'store.if-match': { support: 'no', note: 'fauxqs ignores If-Match' },
    }),
    gaps: {
      'keys with spaces, +, %, unicode, dots and slashes round-trip exactly': LOCALE_ORDER,
      'list orders keys by UTF-8 bytes, not by JavaScript string order': LOCALE_ORDER,
      'paginating 2,500 keys with small pages returns each key once, in order': LOCALE_ORDER,
      'copy with a content type and metadata replaces them on the target':
        'fauxqs 1.9.2 keeps the source content type on CopyObject with MetadataDirective REPLACE',
    },
    largeObjectBytes: 256 * MIB,
  },
];

for (const server of cases) {
  const moto = server.name === 'moto' ? motoStatus() : { available: true as const };
  if (!moto.available) {
    if (process.env.CI === 'true') {
      it(`${server.name} is installed (required on CI)`, () => {
        throw new Error(moto.reason);
      });
    } else {
      console.warn(`Skipping the S3 store suite on ${server.name}: ${moto.reason}.`);
      describe.skip(`S3 store on ${server.name}`, () => it('needs moto_server', () => {}));
    }
    continue;
  }

  describe(`S3 store on ${server.name}`, () => {
    let running: TestServer | undefined;
    let client: S3Client;
    const buckets = new Map<ObjectStore, string>();

    beforeAll(async () => {
      running = await server.start();
      client = s3ClientFor(running.endpoint);
    });
    afterAll(async () => {
      client?.destroy();
      await running?.stop();
    });

    const runner = {
      describe,
      it: (name: string, fn: () => unknown, timeout?: number) => {
        const gap = server.gaps[name];
        if (gap === undefined) it(name, fn, timeout);
        else it.skip(`${name} (skipped: ${gap})`, fn);
      },
    };
    storeConformance(runner, {
      name: `S3 on ${server.name}`,
      capabilities: server.capabilities,
      largeObjectBytes: server.largeObjectBytes,
      create: async () => {
        const physicalName = await createBucket(client);
        const store = createS3Store({
          bucket: 'conformance',
          physicalName,
          client,
          compatibility: server.compatibility,
        });
        buckets.set(store, physicalName);
        return store;
      },
      cleanup: async (store) => {
        const bucket = buckets.get(store);
        buckets.delete(store);
        if (bucket) await removeBucket(client, bucket);
      },
    });
  });
}
