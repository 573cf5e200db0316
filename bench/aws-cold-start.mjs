// Cold start of an SQS-triggered Lambda handler made by the AWS adapter against a hand-written
// raw handler doing the same work, each bundled the same way by esbuild (ESM, minified, the
// AWS SDK external as on the Lambda Node runtimes). Each run is a fresh Node process that
// imports the bundle and answers a first 10-message batch with two failures (both variants
// log the failures as JSON lines); runs alternate between the variants.
//
// ratio = median import-to-answer time of the adapter's bundle / the raw bundle's, timed
// inside the process from just before the import to the answer. processRatio is the same for
// the whole process, from spawn to answer (what a Lambda init adds around it is not here).
// bundleKb is the adapter's bundle, rawBundleKb the raw one's; loadsS3Client says whether the
// SQS handler pulled @aws-sdk/client-s3 into the process (it must not).
//
// parseRatio is a diagnostic: the ratio the adapter would have if parsing its bundle were its
// only cost, (raw + parse) / raw. The parse is measured as the import of the adapter's bundle
// wrapped whole in a function that is never called, less the import of an empty module: what
// the bundle's text costs before any of it runs, which no change to what runs at cold start
// can remove.
import { spawn } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

export const meta = {
  name: 'aws-cold-start',
  diskMb: 5,
  diskPath: 'bench',
  timeoutSeconds: 600,
  target: { ratio: { max: 1.15 } },
};

const RUNS = 25;
const ENV = {
  CLOUDPORT_PIPELINE: 'bench',
  CLOUDPORT_QUEUE_ROWS: 'https://sqs.eu-west-1.amazonaws.com/123456789012/acme-bench-rows',
};

const OURS = `
import { createHandler } from '@cloudport/aws';
import { definePipeline, onMessage, queue } from '@cloudport/core';

let total = 0;
const rows = queue('rows');
const pipeline = definePipeline('bench', {
  count: {
    trigger: onMessage(rows),
    handler: async (message) => {
      if (message.body.fail) throw new Error('row ' + message.body.n + ' cannot be counted');
      total += message.body.amount;
    },
  },
});
export const handler = createHandler(pipeline, 'count');
`;

const RAW = `
let total = 0;
export const handler = async (event, context) => {
  const batchItemFailures = [];
  for (const record of event.Records) {
    try {
      const body = JSON.parse(record.body);
      if (body.fail) throw new Error('row ' + body.n + ' cannot be counted');
      total += body.amount;
    } catch (error) {
      const { name, message, stack } = error;
      process.stdout.write(JSON.stringify({ time: new Date().toISOString(), level: 'warn',
        message: 'message failed', requestId: context.awsRequestId, messageId: record.messageId,
        error: { name, message, stack } }) + '\\n');
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
};
`;

// The process that is measured: import, answer, report.
const RUNNER = `
const started = performance.now();
const { handler } = await import(process.argv[2]);
const event = JSON.parse(process.argv[3]);
// The parse-only variant exports no handler: it is imported and answers nothing.
const result = handler
  ? await handler(event, { awsRequestId: 'cold', getRemainingTimeInMillis: () => 60000 })
  : undefined;
const ms = performance.now() - started;
const { createRequire } = await import('node:module');
const cache = createRequire(import.meta.url).cache;
const loadsS3Client = Object.keys(cache).some((path) => path.includes('client-s3'));
const failures = result ? result.batchItemFailures.length : null;
process.stdout.write(JSON.stringify({ ms, failures, loadsS3Client }) + '\\n');
`;

function sqsEvent() {
  const Records = Array.from({ length: 10 }, (_, n) => ({
    messageId: `0000000${n}-1111-4222-8333-444444444444`,
    receiptHandle: `AQEB-receipt-${n}`,
    body: JSON.stringify({ n, amount: n * 3, fail: n === 3 || n === 7 }),
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(1771063200000 + n) },
    messageAttributes: {},
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:acme-bench-rows',
    awsRegion: 'eu-west-1',
  }));

  return JSON.stringify({ Records });
}

async function bundle(dir, name, source) {
  const entry = join(dir, `${name}-entry.mjs`);
  const outfile = join(dir, `${name}.mjs`);
  writeFileSync(entry, source);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    external: ['@aws-sdk/*'],
    logLevel: 'error',
  });

  return { file: outfile, kb: statSync(outfile).size / 1024 };
}

/** The bundle's text inside a function that is never called: parsed on import, never run. */
function parseOnly(dir, bundled) {
  const text = readFileSync(bundled.file, 'utf8').replace(/export\s*\{[^}]*\};?\s*$/, '');
  const file = join(dir, 'parse-only.mjs');
  writeFileSync(file, `export function never() {\n${text}\n}\n`);

  return { file };
}

/** A module with nothing in it, for the fixed cost of an import. */
function emptyModule(dir) {
  const file = join(dir, 'parse-empty.mjs');
  writeFileSync(file, 'export {};\n');

  return { file };
}

function runOnce(runner, file, event) {
  return new Promise((resolve, reject) => {
    const spawned = performance.now();
    const child = spawn(process.execPath, [runner, file, event], {
      env: { ...process.env, ...ENV },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - spawned;
      const last = stdout.trim().split('\n').at(-1);
      if (code !== 0 || !last) return reject(new Error(`${file} exited with ${code}`));
      const result = JSON.parse(last);
      const expected = /parse-(only|empty)\.mjs$/.test(file) ? null : 2;
      if (result.failures !== expected) {
        return reject(
          new Error(`${file} answered with ${result.failures} failures, not ${expected}`),
        );
      }
      resolve({ ...result, wallMs });
    });
  });
}

export default async function run({ tmpDir }) {
  const ours = await bundle(tmpDir, 'ours', OURS);
  const raw = await bundle(tmpDir, 'raw', RAW);
  const runner = join(tmpDir, 'runner.mjs');
  writeFileSync(runner, RUNNER);
  const event = sqsEvent();
  const parsed = parseOnly(tmpDir, ours);
  const empty = emptyModule(tmpDir);
  const runs = new Map([ours, raw, parsed, empty].map((variant) => [variant, []]));
  await runOnce(runner, ours.file, event);
  await runOnce(runner, raw.file, event);
  for (let round = 0; round < RUNS; round++) {
    const order = round % 2 === 0 ? [ours, raw, parsed, empty] : [empty, parsed, raw, ours];
    for (const variant of order) runs.get(variant).push(await runOnce(runner, variant.file, event));
  }
  const oursRuns = runs.get(ours);
  const rawRuns = runs.get(raw);
  const oursMs = median(oursRuns.map((r) => r.ms));
  const rawMs = median(rawRuns.map((r) => r.ms));
  const parseMs =
    median(runs.get(parsed).map((r) => r.ms)) - median(runs.get(empty).map((r) => r.ms));
  const oursWall = median(oursRuns.map((r) => r.wallMs));
  const rawWall = median(rawRuns.map((r) => r.wallMs));

  return {
    ratio: round2(oursMs / rawMs),
    importToAnswerMs: round2(oursMs),
    rawImportToAnswerMs: round2(rawMs),
    processRatio: round2(oursWall / rawWall),
    parseRatio: round2((rawMs + parseMs) / rawMs),
    parseMs: round2(parseMs),
    processMs: round2(oursWall),
    rawProcessMs: round2(rawWall),
    bundleKb: round2(ours.kb),
    rawBundleKb: round2(raw.kb),
    loadsS3Client: oursRuns.some((r) => r.loadsS3Client),
    runs: RUNS,
  };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);

  return sorted[Math.floor(sorted.length / 2)];
}

function round2(value) {
  return Math.round(value * 100) / 100;
}
