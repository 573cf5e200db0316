// Streams a 1 GiB object through the Azure Blob store and back: put from a generated stream
// (block by block, as uploadStream stages it), then get piped into a sink. Azurite runs in a
// process of its own, in memory, so this process's RSS measures the store's client alone.
//
// ratio = store throughput / the SDK's own throughput (BlockBlobClient.uploadStream with the
// same block size and concurrency, then download()), in MiB/s over both hops, best of two
// alternating rounds each. peakRssMb is the largest RSS growth (MiB) above the level measured
// just before a store round, sampled every 5 ms.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const MIB = 1024 * 1024;
const SIZE = 1024 * MIB;
const BLOCK = 4 * MIB;
const CONCURRENCY = 4;
const ROUNDS = 2;
const DEV_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export const meta = {
  name: 'blob-stream-memory',
  nodeOptions: ['--expose-gc'],
  timeoutSeconds: 900,
  target: { ratio: { min: 0.8 }, peakRssMb: { max: 150 } },
};

/** Starts Azurite's Blob service in a child process, in memory, on a free port. */
async function startAzurite(tmpDir) {
  const require = createRequire(import.meta.url);
  const main = require.resolve('azurite/dist/src/blob/main.js');
  const args = ['--blobHost', '127.0.0.1', '--blobPort', '0', '--silent', '--skipApiVersionCheck'];
  args.push('--inMemoryPersistence', '--disableTelemetry');
  // Azurite still writes a small settings file to its working directory.
  const child = spawn(process.execPath, [main, ...args], {
    cwd: tmpDir,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise((resolve, reject) => {
    let output = '';
    child.once('exit', (code) => reject(new Error(`Azurite exited with ${code}: ${output}`)));
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      output += chunk;
      const match = /listens on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    });
  });
  child.stdout.resume();

  return {
    connectionString:
      `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${DEV_KEY};` +
      `BlobEndpoint=http://127.0.0.1:${port}/devstoreaccount1;`,
    stop: () => {
      child.removeAllListeners('exit');
      child.kill('SIGKILL');
    },
  };
}

function source() {
  const block = randomBytes(MIB);
  let sent = 0;

  return new Readable({
    read() {
      if (sent >= SIZE) return this.push(null);
      sent += MIB;
      this.push(Buffer.from(block));
    },
  });
}

function sink() {
  let received = 0;
  const stream = new Writable({
    write(chunk, _encoding, done) {
      received += chunk.length;
      done();
    },
  });

  return { stream, received: () => received };
}

function trackRss() {
  globalThis.gc?.();
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 5);

  return () => {
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage.rss());
    return (peak - baseline) / MIB;
  };
}

async function storeRound(store) {
  const stopRss = trackRss();
  const started = performance.now();
  await store.put('bench/object.bin', source(), { contentType: 'application/octet-stream' });
  const { info, body } = await store.get('bench/object.bin');
  const target = sink();
  await pipeline(body, target.stream);
  const seconds = (performance.now() - started) / 1000;
  const peakRssMb = stopRss();
  if (info.size !== SIZE || target.received() !== SIZE) throw new Error('the store lost bytes');
  await store.delete('bench/object.bin');

  return { seconds, peakRssMb };
}

async function sdkRound(container) {
  const blob = container.getBlockBlobClient('bench/raw.bin');
  globalThis.gc?.();
  const started = performance.now();
  await blob.uploadStream(source(), BLOCK, CONCURRENCY);
  const download = await blob.download(0);
  const target = sink();
  await pipeline(download.readableStreamBody, target.stream);
  const seconds = (performance.now() - started) / 1000;
  if (target.received() !== SIZE) throw new Error('the SDK lost bytes');
  await blob.delete();

  return { seconds };
}

export default async function run({ tmpDir } = {}) {
  const azurite = await startAzurite(tmpDir ?? tmpdir());
  try {
    const { BlobServiceClient } = await import('@azure/storage-blob');
    const { createBlobStore } = await import('@cloudport/azure');
    const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
    const container = service.getContainerClient('bench');
    await container.create();
    const store = createBlobStore({
      bucket: 'bench',
      connectionString: azurite.connectionString,
      blockBytes: BLOCK,
      uploadConcurrency: CONCURRENCY,
    });

    const stored = [];
    const raw = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      if (round % 2 === 0) {
        stored.push(await storeRound(store));
        raw.push(await sdkRound(container));
      } else {
        raw.push(await sdkRound(container));
        stored.push(await storeRound(store));
      }
    }
    const mibPerSecond = (seconds) => (2 * SIZE) / MIB / seconds;
    const best = (runs) => Math.min(...runs.map((r) => r.seconds));
    const throughput = mibPerSecond(best(stored));
    const baseline = mibPerSecond(best(raw));
    const round2 = (value) => Math.round(value * 100) / 100;

    return {
      ratio: round2(throughput / baseline),
      peakRssMb: round2(Math.max(...stored.map((r) => r.peakRssMb))),
      throughputMBps: Math.round(throughput),
      baselineMBps: Math.round(baseline),
      objectMb: SIZE / MIB,
      blockMb: BLOCK / MIB,
      concurrency: CONCURRENCY,
      rounds: ROUNDS,
    };
  } finally {
    azurite.stop();
  }
}
