// Streams a 1 GiB object through the GCS store (@google-cloud/storage underneath) to the GCS
// test server and back, with the server in a process of its own keeping content in files, so
// that this process holds only what the store and the client buffer. The baseline moves the
// same bytes to the same server with plain HTTP streams: one `uploadType=media` POST and one
// `alt=media` GET, no checksums.
//
// ratio = store throughput / plain HTTP throughput, in MiB/s over the upload and the download,
// from the median of three rounds that alternate which side goes first. peakRssMb is the
// largest RSS growth (MiB) above the level measured just before a store round, sampled every
// 5 ms; the target keeps it under 150. The store checks CRC32C both ways, as it does in
// production; the baseline does not.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createGcsStore } from '@cloudport/gcp';

const MIB = 1024 * 1024;
const SIZE = 1024 * MIB;
const ROUNDS = 3;
const SERVER = fileURLToPath(new URL('../test/gcs-server/main.mjs', import.meta.url));

export const meta = {
  name: 'gcs-stream-memory',
  // The object on the server, twice while an overwrite replaces it.
  diskMb: 2 * 1024 + 64,
  nodeOptions: ['--expose-gc'],
  timeoutSeconds: 900,
  target: { peakRssMb: { max: 150 } },
};

/** 1 GiB in fresh 1 MiB chunks, each numbered so that no two are alike. */
async function* source() {
  const block = randomBytes(MIB);
  for (let offset = 0; offset < SIZE; offset += MIB) {
    const chunk = Buffer.from(block);
    chunk.writeDoubleBE(offset, 0);
    yield chunk;
  }
}

async function startServer(dir) {
  const child = spawn(process.execPath, [SERVER, '--dir', dir, '--bucket', 'bench'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = await once(createInterface({ input: child.stdout }), 'line');

  return { child, url: JSON.parse(line).url };
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
  await store.put('bench/object.bin', source());
  const between = performance.now();
  const { info, body } = await store.get('bench/object.bin');
  let received = 0;
  for await (const chunk of body) received += chunk.length;
  const ended = performance.now();
  const peakRssMb = stopRss();
  if (info.size !== SIZE || received !== SIZE) {
    throw new Error(`the store moved ${info.size} and ${received} of ${SIZE} bytes`);
  }

  return {
    totalMs: ended - started,
    writeMs: between - started,
    readMs: ended - between,
    peakRssMb,
  };
}

function plainUpload(url) {
  return new Promise((resolve, reject) => {
    const target = new URL(`${url}/upload/storage/v1/b/bench/o`);
    target.search = new URLSearchParams({ uploadType: 'media', name: 'plain/object.bin' });
    const req = request(target, { method: 'POST' }, (res) => {
      res.resume();
      res.on('end', () =>
        res.statusCode === 200 ? resolve() : reject(new Error(`${res.statusCode}`)),
      );
    });
    req.on('error', reject);
    (async () => {
      for await (const chunk of source()) if (!req.write(chunk)) await once(req, 'drain');
      req.end();
    })().catch(reject);
  });
}

function plainDownload(url) {
  return new Promise((resolve, reject) => {
    const target = `${url}/storage/v1/b/bench/o/${encodeURIComponent('plain/object.bin')}?alt=media`;
    request(target, (res) => {
      let received = 0;
      res.on('data', (chunk) => {
        received += chunk.length;
      });
      res.on('end', () => (received === SIZE ? resolve() : reject(new Error(`${received} bytes`))));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

async function plainRound(url) {
  const started = performance.now();
  await plainUpload(url);
  const between = performance.now();
  await plainDownload(url);
  const ended = performance.now();

  return { totalMs: ended - started, writeMs: between - started, readMs: ended - between };
}

const mibPerSecond = (bytes, ms) => bytes / MIB / (ms / 1000);
const median = (runs) => [...runs].sort((a, b) => a.totalMs - b.totalMs)[runs.length >> 1];

export default async function run({ tmpDir } = {}) {
  process.env.METADATA_SERVER_DETECTION = 'none';
  const dir = await mkdtemp(join(tmpDir ?? tmpdir(), 'gcs-stream-memory-'));
  await mkdir(join(dir, 'server'));
  const server = await startServer(join(dir, 'server'));
  try {
    const store = createGcsStore({
      bucket: 'bench',
      clientOptions: { apiEndpoint: server.url, projectId: 'bench' },
    });
    const stored = [];
    const plain = [];
    for (let index = 0; index < ROUNDS; index++) {
      if (index % 2 === 0) {
        plain.push(await plainRound(server.url));
        stored.push(await storeRound(store));
      } else {
        stored.push(await storeRound(store));
        plain.push(await plainRound(server.url));
      }
    }
    const typicalStore = median(stored);
    const typicalPlain = median(plain);
    const throughputMBps = mibPerSecond(2 * SIZE, typicalStore.totalMs);
    const baselineMBps = mibPerSecond(2 * SIZE, typicalPlain.totalMs);

    return {
      ratio: Math.round((throughputMBps / baselineMBps) * 100) / 100,
      peakRssMb: Math.round(Math.max(...stored.map((round) => round.peakRssMb)) * 100) / 100,
      throughputMBps: Math.round(throughputMBps),
      baselineMBps: Math.round(baselineMBps),
      writeMBps: Math.round(mibPerSecond(SIZE, typicalStore.writeMs)),
      readMBps: Math.round(mibPerSecond(SIZE, typicalStore.readMs)),
      baselineWriteMBps: Math.round(mibPerSecond(SIZE, typicalPlain.writeMs)),
      baselineReadMBps: Math.round(mibPerSecond(SIZE, typicalPlain.readMs)),
      objectMb: SIZE / MIB,
      rounds: ROUNDS,
    };
  } finally {
    server.child.kill('SIGTERM');
    await once(server.child, 'exit');
    await rm(dir, { recursive: true, force: true });
  }
}
