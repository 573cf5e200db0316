import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { queue } from '@cloudport/core';
import { describe, expect, it, vi } from 'vitest';
import { createSqsQueue } from '../src/queue/sqs.js';
import { createS3Store } from '../src/storage/s3.js';

// These three are missing here, as in an app that installed only @aws-sdk/client-s3: loading
// one fails the way Node fails the import of a package that is not installed.
const notInstalled = (name: string) =>
  Object.assign(new Error(`Cannot find package '${name}' imported from /app/index.mjs`), {
    code: 'ERR_MODULE_NOT_FOUND',
  });
vi.mock('@aws-sdk/lib-storage', () => {
  throw notInstalled('@aws-sdk/lib-storage');
});
vi.mock('@aws-sdk/s3-request-presigner', () => {
  throw notInstalled('@aws-sdk/s3-request-presigner');
});
vi.mock('@aws-sdk/client-sqs', () => {
  throw notInstalled('@aws-sdk/client-sqs');
});

const PEERS = [
  '@aws-sdk/client-s3',
  '@aws-sdk/client-sqs',
  '@aws-sdk/lib-storage',
  '@aws-sdk/s3-request-presigner',
];
const clientConfig = {
  region: 'us-east-1',
  endpoint: 'http://127.0.0.1:9',
  forcePathStyle: true,
  maxAttempts: 1,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
};

async function failureOf(run: () => Promise<unknown>): Promise<Error & { code?: string }> {
  return run().then(
    () => {
      throw new Error('expected a failure');
    },
    (error: Error) => error,
  );
}

describe('the AWS SDK packages as optional peer dependencies', () => {
  it('declares all four SDK packages as optional peers', async () => {
    const manifest = JSON.parse(
      await readFile(new URL('../package.json', import.meta.url), 'utf8'),
    ) as { peerDependencies: Record<string, string>; peerDependenciesMeta?: object };

    expect(Object.keys(manifest.peerDependencies).sort()).toEqual(PEERS);
    expect(manifest.peerDependenciesMeta).toEqual(
      Object.fromEntries(PEERS.map((name) => [name, { optional: true }])),
    );
  });

  it('a streamed write without @aws-sdk/lib-storage fails, INVALID_CONFIG naming it', async () => {
    const store = createS3Store({ bucket: 'uploads', clientConfig });

    const error = await failureOf(() => store.put('a.bin', (async function* () {})()));

    expect(error).toMatchObject({ code: 'INVALID_CONFIG', provider: 'aws' });
    expect(error.message).toContain('A streamed write to the S3 store needs the package');
    expect(error.message).toContain('npm install @aws-sdk/lib-storage@"^3.1178.0"');
  });

  it('a write of text does not need @aws-sdk/lib-storage', async () => {
    const store = createS3Store({ bucket: 'uploads', clientConfig });

    const error = await failureOf(() => store.put('a.txt', 'text'));

    // Nothing listens on port 9: the write got as far as the network.
    expect(error).toMatchObject({ code: 'PROVIDER_ERROR' });
  });

  it('a signed URL without @aws-sdk/s3-request-presigner fails with INVALID_CONFIG', async () => {
    const store = createS3Store({ bucket: 'uploads', clientConfig });

    const error = await failureOf(() => store.signedUrl('a.txt'));

    expect(error).toMatchObject({ code: 'INVALID_CONFIG', provider: 'aws' });
    expect(error.message).toContain('npm install @aws-sdk/s3-request-presigner');
  });

  it('the first send without @aws-sdk/client-sqs fails with INVALID_CONFIG naming it', async () => {
    const rows = createSqsQueue({ queue: queue('rows'), url: 'http://127.0.0.1:9/1/rows' });

    const error = await failureOf(() => rows.send({ n: 1 }));

    expect(error).toMatchObject({ code: 'INVALID_CONFIG', provider: 'aws' });
    expect(error.message).toContain('The SQS queue needs the package @aws-sdk/client-sqs');
  });
});

const root = fileURLToPath(new URL('../../../', import.meta.url));
const run = promisify(execFile);

// Plain Node, outside the test runner, with the built package and only @aws-sdk/client-s3
// installed beside it: the errors come from Node's own failed imports.
const PROBE = `
import { createS3Store, createSqsQueue } from '@cloudport/aws';
import { queue } from '@cloudport/core';
const config = ${JSON.stringify(clientConfig)};
const store = createS3Store({ bucket: 'uploads', clientConfig: config });
const rows = createSqsQueue({ queue: queue('rows'), url: 'http://127.0.0.1:9/1/rows' });
const outcomes = {};
for (const [name, attempt] of Object.entries({
  stream: () => store.put('a.bin', (async function* () {})()),
  sign: () => store.signedUrl('a.txt'),
  send: () => rows.send({ n: 1 }),
})) {
  outcomes[name] = await attempt().then(() => 'ok', (e) => ({ code: e.code, message: e.message }));
}
console.log(JSON.stringify(outcomes));
`;

describe('a missing peer in plain Node', () => {
  it('is reported by name when the first call needs it', async () => {
    const app = await mkdtemp(join(tmpdir(), 'cloudport-peers-'));
    try {
      const modules = join(app, 'node_modules');
      await mkdir(join(modules, '@cloudport', 'aws'), { recursive: true });
      await mkdir(join(modules, '@aws-sdk'), { recursive: true });
      await cp(join(root, 'packages/aws/dist'), join(modules, '@cloudport/aws/dist'), {
        recursive: true,
      });
      await cp(
        join(root, 'packages/aws/package.json'),
        join(modules, '@cloudport/aws/package.json'),
      );
      await symlink(join(root, 'packages/core'), join(modules, '@cloudport/core'), 'dir');
      await symlink(
        join(root, 'node_modules/@aws-sdk/client-s3'),
        join(modules, '@aws-sdk/client-s3'),
        'dir',
      );
      await writeFile(join(app, 'probe.mjs'), PROBE);

      const { stdout } = await run(process.execPath, ['probe.mjs'], { cwd: app });
      const outcomes = JSON.parse(stdout) as Record<string, { code: string; message: string }>;

      expect(outcomes.stream?.code).toBe('INVALID_CONFIG');
      expect(outcomes.stream?.message).toContain('@aws-sdk/lib-storage, which is not installed');
      expect(outcomes.sign?.code).toBe('INVALID_CONFIG');
      expect(outcomes.sign?.message).toContain('@aws-sdk/s3-request-presigner, which is not');
      expect(outcomes.send?.code).toBe('INVALID_CONFIG');
      expect(outcomes.send?.message).toContain('@aws-sdk/client-sqs, which is not installed');
    } finally {
      await rm(app, { recursive: true, force: true });
    }
  });
});
