import { createRequire } from 'node:module';
import {
  bucket,
  definePipeline,
  isValidName,
  type Logger,
  onHttp,
  onMessage,
  onObjectCreated,
  onSchedule,
  queue,
} from '@cloudport/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GcsServer, startGcsServer } from '../../../test/gcs-server/server.mjs';
import {
  type CloudEventFunction,
  entryPointOf,
  type FunctionRegistry,
  registerFunctions,
} from '../src/index.js';
import { frameworkEvent, loadFixture } from './support/fixtures.js';

process.env.METADATA_SERVER_DETECTION = 'none';

const requireHere = createRequire(import.meta.url);
const loadedSdks = () =>
  new Set(
    Object.keys(requireHere.cache).flatMap((path) => {
      const match = /@google-cloud\/(pubsub|storage)\//.exec(path);
      return match ? [match[1]] : [];
    }),
  );

const uploads = bucket('uploads');
const heads: number[] = [];
const pipeline = definePipeline('lazy', {
  created: {
    trigger: onObjectCreated(uploads),
    handler: async (event) => {
      heads.push((await uploads.head(event.key)).size);
    },
  },
  rows: { trigger: onMessage(queue('rows')), handler: () => {} },
  sweep: { trigger: onSchedule('15 minutes'), handler: () => {} },
  web: { trigger: onHttp('GET', '/'), handler: () => new Response('ok') },
});

function fakeRegistry() {
  const registered = new Map<string, { kind: 'http' | 'cloudEvent'; handler: unknown }>();
  const registry: FunctionRegistry = {
    http: (name, handler) => registered.set(name, { kind: 'http', handler }),
    cloudEvent: (name, handler) => registered.set(name, { kind: 'cloudEvent', handler }),
  };
  return { registry, registered };
}

let gcs: GcsServer;

beforeAll(async () => {
  gcs = await startGcsServer({ buckets: ['acme-prod-uploads'] });
});

afterAll(async () => {
  await gcs?.close();
});

describe('registerFunctions', () => {
  it('registers one entry point per function, named as the function, by trigger kind', () => {
    const { registry, registered } = fakeRegistry();
    const registration = registerFunctions(pipeline, { env: {}, registry, logger: false });

    expect([...registration.entryPoints]).toEqual([
      ['created', 'created'],
      ['rows', 'rows'],
      ['sweep', 'sweep'],
      ['web', 'web'],
    ]);
    expect([...registered].map(([name, entry]) => [name, entry.kind])).toEqual([
      ['created', 'cloudEvent'],
      ['rows', 'cloudEvent'],
      ['sweep', 'cloudEvent'],
      ['web', 'http'],
    ]);
  });

  it('registers with functions-framework itself by default', async () => {
    const single = definePipeline('single', {
      'only-one': { trigger: onSchedule('1 hour'), handler: () => {} },
    });
    registerFunctions(single, { env: {}, logger: false });
    const { getFunction } = await import('@google-cloud/functions-framework/testing');

    expect(typeof getFunction('only-one')).toBe('function');
  });

  it.each(['abc', 'a-b', 'x1-2y', 'a'.repeat(30), 'orders-2026-q1'])(
    'accepts the portable name %s as an entry point',
    (name) => {
      expect(isValidName(name)).toBe(true);
      expect(entryPointOf(name)).toBe(name);
    },
  );

  it('reads the environment once, at registration', async () => {
    let reads = 0;
    const values: Record<string, string> = { CLOUDPORT_BUCKET_UPLOADS: 'acme-prod-uploads' };
    const env = new Proxy(values, {
      get: (target, key) => {
        reads += 1;
        return target[key as string];
      },
      ownKeys: (target) => {
        reads += 1;
        return Reflect.ownKeys(target);
      },
    });
    const { registry, registered } = fakeRegistry();
    registerFunctions(pipeline, {
      env,
      registry,
      logger: false,
      storageOptions: { apiEndpoint: gcs.url, projectId: 'demo' },
    });
    const before = reads;
    const created = registered.get('created')?.handler as CloudEventFunction;
    await expect(
      created(frameworkEvent(loadFixture('storage-metadata-updated'))),
    ).rejects.toThrow();
    values.CLOUDPORT_BUCKET_UPLOADS = 'changed-later';

    expect(reads).toBe(before);
  });

  it('loads each SDK only when a store or queue of its kind is first used', async () => {
    const { registry, registered } = fakeRegistry();
    const warnings: string[] = [];
    const logger: Logger = {
      debug: () => {},
      info: () => {},
      warn: (message) => warnings.push(message),
      error: (message) => warnings.push(message),
      child: () => logger,
    };
    registerFunctions(pipeline, {
      env: { CLOUDPORT_BUCKET_UPLOADS: 'acme-prod-uploads', CLOUDPORT_QUEUE_ROWS: 'csv-etl-rows' },
      registry,
      logger,
      storageOptions: { apiEndpoint: gcs.url, projectId: 'demo' },
    });
    expect(loadedSdks()).toEqual(new Set());

    const rows = registered.get('rows')?.handler as CloudEventFunction;
    const message = frameworkEvent(loadFixture('pubsub-published-binary'));
    await rows(message);
    expect(loadedSdks()).toEqual(new Set());

    const fixture = loadFixture('storage-finalized-binary');
    const event = frameworkEvent(fixture);
    const key = (event.data as { name: string }).name;
    // Written over plain HTTP, so that the test itself loads no SDK.
    const upload = new URL(`${gcs.url}/upload/storage/v1/b/acme-prod-uploads/o`);
    upload.search = new URLSearchParams({ uploadType: 'media', name: key }).toString();
    expect((await fetch(upload, { method: 'POST', body: '12345' })).status).toBe(200);
    const created = registered.get('created')?.handler as CloudEventFunction;
    await created(event);

    expect(heads.at(-1)).toBe(5);
    expect(loadedSdks()).toEqual(new Set(['storage']));
    expect(warnings).toEqual([]);
  });
});
