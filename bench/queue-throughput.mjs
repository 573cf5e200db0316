// Throughput of the local durable queue against the file operations it cannot avoid.
//
// Both sides move 10,000 small messages through the same life, in rounds of 1,000 so that at
// most 1,000 files exist at once: write to a temp file and rename it into `ready` (send),
// rename into `inflight` (receive, 10 at a time), delete (complete). The queue adds its
// bookkeeping on top: ids, headers, body encoding, the in-memory index and receipts. Where the
// file system makes creating a file dear, the queue also keeps completed message files as
// spares and refills them instead of deleting and creating (see packages/local/README.md), which
// the plain loop does not: a ratio above 1 comes from that, not from doing less for safety, and
// the crash tests hold the queue to the same guarantees either way. Trials alternate between
// the two sides and the median of each is compared.
//
// ratio = queue messages per second / plain-loop messages per second (higher is better; the
// target is at least 0.5). Both are measured in the same run, on the same file system.
import { mkdir, mkdtemp, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLocalQueue } from '../packages/local/dist/queue/index.js';

export const meta = {
  name: 'queue-throughput',
  // At most 1,000 files of one block each per side, plus folders.
  diskMb: 16,
  target: { ratio: { min: 0.5 } },
  timeoutSeconds: 300,
};

const MESSAGES = 10_000;
const ROUND = 1_000;
const BATCH = 10;
const TRIALS = 3;

/** Milliseconds for the local queue to send, receive and complete `count` messages. */
async function timeQueue(dir, count) {
  const queue = await openLocalQueue({ dir, name: 'bench', body: 'json', logger: false });
  const started = performance.now();
  for (let sent = 0; sent < count; ) {
    const round = Math.min(ROUND, count - sent);
    for (let at = 0; at < round; at += 1) await queue.send({ n: sent + at, row: 'a,b,c' });
    for (let left = round; left > 0; ) {
      const batch = await queue.receive({ maxMessages: BATCH });
      await Promise.all(batch.map((message) => queue.complete(message)));
      left -= batch.length;
    }
    sent += round;
  }
  const elapsed = performance.now() - started;
  await queue.close();

  return elapsed;
}

/** Milliseconds for a plain loop doing the same file writes, renames and deletes. */
async function timePlain(dir, count) {
  const folders = ['tmp', 'ready', 'inflight'].map((name) => join(dir, name));
  for (const folder of folders) await mkdir(folder, { recursive: true });
  const [tmp, ready, inflight] = folders;
  const started = performance.now();
  for (let sent = 0; sent < count; ) {
    const round = Math.min(ROUND, count - sent);
    const names = [];
    for (let at = 0; at < round; at += 1) {
      const name = `m${sent + at}`;
      await writeFile(join(tmp, name), JSON.stringify({ n: sent + at, row: 'a,b,c' }));
      await rename(join(tmp, name), join(ready, name));
      names.push(name);
    }
    for (let at = 0; at < names.length; at += BATCH) {
      const batch = names.slice(at, at + BATCH);
      await Promise.all(batch.map((name) => rename(join(ready, name), join(inflight, name))));
      await Promise.all(batch.map((name) => unlink(join(inflight, name))));
    }
    sent += round;
  }

  return performance.now() - started;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);

  return sorted[Math.floor(sorted.length / 2)];
}

/** Runs the comparison and reports both rates and their ratio (target: at least 0.5). */
export default async function run({ tmpDir } = {}) {
  const base = tmpDir ?? tmpdir();
  await mkdir(base, { recursive: true });
  const root = await mkdtemp(join(base, 'queue-throughput-'));
  try {
    let trial = 0;
    const fresh = () => {
      trial += 1;
      return join(root, `t${trial}`);
    };
    await timeQueue(fresh(), ROUND);
    await timePlain(fresh(), ROUND);
    const queueMs = [];
    const plainMs = [];
    for (let round = 0; round < TRIALS; round += 1) {
      queueMs.push(await timeQueue(fresh(), MESSAGES));
      plainMs.push(await timePlain(fresh(), MESSAGES));
      await rm(root, { recursive: true, force: true });
      await mkdir(root, { recursive: true });
    }
    const rounded = (list) => list.map(Math.round).join('/');
    const trialsMs = `queue ${rounded(queueMs)}, plain ${rounded(plainMs)}`;
    const messagesPerSecond = Math.round((MESSAGES * 1000) / median(queueMs));
    const baselinePerSecond = Math.round((MESSAGES * 1000) / median(plainMs));

    return {
      ratio: Number((messagesPerSecond / baselinePerSecond).toFixed(3)),
      messagesPerSecond,
      baselinePerSecond,
      messages: MESSAGES,
      trials: TRIALS,
      queueMedianMs: Math.round(median(queueMs)),
      baselineMedianMs: Math.round(median(plainMs)),
      trialsMs,
    };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
