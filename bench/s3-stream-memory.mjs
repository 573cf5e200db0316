// Streams a 1 GiB object through the S3 store (createS3Store: put from an async iterable, then
// get read to the end) against fauxqs running in a process of its own, so that only the
// client's memory is measured. The baseline moves the same bytes with the plain SDK
// (lib-storage Upload with the same part size and queue, GetObject read to the end).
//
// ratio = store throughput / plain SDK throughput, in MiB/s over both directions.
// peakRssMb is the largest RSS growth (MiB) of this process above the level just before the
// store's round, sampled every 10 ms; rawPeakRssMb is the same for the plain SDK. Both sides
// hash what they send and what they read back, and the hashes must match.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createS3Store } from '@cloudport/aws';

export const meta = {
  name: 's3-stream-memory',
  diskMb: 0,
  nodeOptions: ['--expose-gc'],
  timeoutSeconds: 600,
  target: { ratio: { min: 0.8 }, peakRssMb: { max: 150 } },
};

const MIB = 1024 * 1024;
const SIZE = 1024 * MIB;
const PART = 8 * MIB;
const QUEUE = 4;
const BUCKET = 'bench-stream';

const SERVER = `
import { buildApp } from 'fauxqs';
const app = buildApp({ logger: false, host: 'localhost' });
await app.listen({ host: '127.0.0.1', port: Number(process.argv[2]) });
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
`;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startServer(tmpDir) {
  const script = join(tmpDir, 'server.mjs');
  writeFileSync(script, SERVER);
  const port = await freePort();
  const child = spawn(process.execPath, [script, String(port)], { stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 200; attempt++) {
    const ready = await fetch(`${endpoint}/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return { endpoint, stop: () => child.kill('SIGTERM') };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  throw new Error('fauxqs did not start within 10 s');
}

/** `size` bytes in numbered 1 MiB chunks, hashed as they are produced. */
function source(hash, size) {
  const block = randomBytes(MIB);
  return (async function* () {
    for (let offset = 0; offset < size; offset += MIB) {
      const chunk = Buffer.from(block);
      chunk.writeDoubleBE(offset, 0);
      hash.update(chunk);
      yield chunk;
    }
  })();
}

async function drain(body, size) {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of body) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  if (bytes !== size) throw new Error(`read ${bytes} bytes, expected ${size}`);

  return hash.digest('hex');
}

function trackRss() {
  globalThis.gc?.();
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 10);

  return () => {
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage.rss());
    return (peak - baseline) / MIB;
  };
}

async function throughStore(client, size = SIZE) {
  const store = createS3Store({
    bucket: 'bench',
    physicalName: BUCKET,
    client,
    partSizeBytes: PART,
    queueSize: QUEUE,
  });
  const written = createHash('sha256');
  const stop = trackRss();
  const started = performance.now();
  await store.put('store.bin', source(written, size));
  const { body } = await store.get('store.bin');
  const read = await drain(body, size);
  const seconds = (performance.now() - started) / 1000;
  const growth = stop();
  if (read !== written.digest('hex')) throw new Error('the store read back other bytes');
  await store.delete('store.bin');

  return { seconds, growth };
}

async function throughSdk(client, size = SIZE) {
  const written = createHash('sha256');
  const stop = trackRss();
  const started = performance.now();
  const upload = new Upload({
    client,
    params: { Bucket: BUCKET, Key: 'raw.bin', Body: Readable.from(source(written, size)) },
    partSize: PART,
    queueSize: QUEUE,
  });
  await upload.done();
  const output = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'raw.bin' }));
  const read = await drain(output.Body, size);
  const seconds = (performance.now() - started) / 1000;
  const growth = stop();
  if (read !== written.digest('hex')) throw new Error('the SDK read back other bytes');
  await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'raw.bin' }));

  return { seconds, growth };
}

export default async function run({ tmpDir }) {
  const server = await startServer(tmpDir);
  const client = new S3Client({
    endpoint: server.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  try {
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    // Warm both paths (module loading, JIT, sockets) so that neither round pays for it.
    await throughStore(client, 32 * MIB);
    await throughSdk(client, 32 * MIB);
    const ours = await throughStore(client);
    const raw = await throughSdk(client);
    const mibPerSecond = (2 * SIZE) / MIB / ours.seconds;
    const rawMibPerSecond = (2 * SIZE) / MIB / raw.seconds;

    return {
      ratio: round(mibPerSecond / rawMibPerSecond),
      peakRssMb: round(ours.growth),
      rawPeakRssMb: round(raw.growth),
      mibPerSecond: round(mibPerSecond),
      rawMibPerSecond: round(rawMibPerSecond),
      objectMb: SIZE / MIB,
      server: 'fauxqs 1.9.2, own process',
    };
  } finally {
    client.destroy();
    server.stop();
  }
}

function round(value) {
  return Math.round(value * 100) / 100;
}
