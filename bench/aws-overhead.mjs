// Per-call overhead of the AWS adapter's Lambda handler against hand-written raw handlers doing
// the same trivial in-memory work, in the same process:
//
// - SQS: a 10-message batch of JSON bodies, two of which fail. Both variants parse each body,
//   add its amount to a total, throw for the two failing messages, log each failure as one JSON
//   line (message, message id, request id, error with stack) to a sink that drops it, and
//   return the failed ids as batchItemFailures.
// - S3: a one-record event. Both variants decode the form-encoded key and record its size in a
//   map; the adapter also maps the bucket to its logical name and derives the event id.
//
// The raw SQS handler is written the way batch handlers usually are: a loop that calls a
// per-record function of the user's (which parses the body and does the work) inside a
// try/catch. The adapter's side has the same shape: its loop calls the user's handler, which
// does the work. A failing message's stack then has the same user frames on both sides, so
// what the ratio shows is the adapter's own cost. sqsInlineRatio compares against a raw handler
// with the work written inline in its loop instead, one stack frame shallower, for reference.
//
// Rounds alternate the variants; each figure is the median over rounds of the mean time per
// call. A round of SQS batches makes 4,000 calls and a round of S3 events 40,000, so that each
// lasts about 100 ms: at under half a microsecond an S3 call, shorter rounds measure mostly
// timer and collector noise. ratio = the larger of the two adapter/raw ratios (SQS and S3), so the target holds for
// both; sqsRatio and s3Ratio and the absolute microseconds per call are reported beside it.
// noLogSqsRatio repeats the SQS case with logging off in both variants.
//
// Each of three processes measures everything, and every figure is the median over the
// processes (sqsRatioByProcess lists the SQS ratio of each): the code the JIT makes differs
// from process to process, and one process alone can put the same handler 4% higher.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createHandler } from '@cloudport/aws';
import {
  bucket,
  createJsonLogger,
  definePipeline,
  onMessage,
  onObjectCreated,
  queue,
} from '@cloudport/core';

export const meta = { name: 'aws-overhead', diskMb: 0, target: { ratio: { max: 1.1 } } };

const ROUNDS = 21;
/** Processes that each measure every comparison; each figure is the median over them. */
const PROCESSES = 3;
const CHILD = 'CLOUDPORT_BENCH_MEASURE';
/** Calls a round makes: about 100 ms of SQS batches, and as long for the much cheaper S3 event. */
const CALLS = 4000;
const S3_CALLS = 40_000;
const ENV = {
  CLOUDPORT_PIPELINE: 'bench',
  CLOUDPORT_BUCKET_UPLOADS: 'acme-bench-uploads',
  CLOUDPORT_QUEUE_ROWS: 'https://sqs.eu-west-1.amazonaws.com/123456789012/acme-bench-rows',
};
const CONTEXT = { awsRequestId: 'bench-request', getRemainingTimeInMillis: () => 60_000 };
const drop = () => {};
// One resolver for every handler, as one Lambda process binds one; no handler here uses it.
const RESOLVER = { store: () => undefined, queue: () => undefined };

let total = 0;
const sizes = new Map();

/** The work both variants do per message: async, as a message handler usually is. */
async function addAmount(body) {
  if (body.fail) throw new Error(`row ${body.n} cannot be counted`);
  total += body.amount;
}

/** The work both variants do per object. */
async function recordSize(key, size) {
  sizes.set(key, size);
}

function sqsEvent() {
  const arn = 'arn:aws:sqs:eu-west-1:123456789012:acme-bench-rows';
  const Records = Array.from({ length: 10 }, (_, n) => ({
    messageId: `0000000${n}-1111-4222-8333-444444444444`,
    receiptHandle: `AQEB-receipt-${n}`,
    body: JSON.stringify({ n, amount: n * 3, fail: n === 3 || n === 7 }),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(1771063200000 + n),
      SenderId: 'AROAEXAMPLE',
      ApproximateFirstReceiveTimestamp: String(1771063200100 + n),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: arn,
    awsRegion: 'eu-west-1',
  }));

  return { Records };
}

function s3Event() {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'eu-west-1',
        eventTime: '2026-02-14T09:31:07.412Z',
        eventName: 'ObjectCreated:Put',
        s3: {
          bucket: { name: 'acme-bench-uploads', arn: 'arn:aws:s3:::acme-bench-uploads' },
          object: {
            key: 'incoming/2026+Q1/orders%2Bnorth.csv',
            size: 1843,
            eTag: '5f3c2a9e0d1b4c7a8e6f2d3b1a0c9e8d',
            sequencer: '0067AF1E2B3C4D5E6F',
          },
        },
      },
    ],
  };
}

/**
 * The raw handler's per-record function, as a hand-written batch handler usually has one. Like
 * the adapter's user handler it is a plain function returning the work's promise, so neither
 * side has an async function more than the other.
 */
function processRecord(record) {
  return addAmount(JSON.parse(record.body));
}

function rawSqsHandler(log, inline = false) {
  return async (event, context) => {
    const batchItemFailures = [];
    for (const record of event.Records) {
      try {
        if (inline) await addAmount(JSON.parse(record.body));
        else await processRecord(record);
      } catch (error) {
        if (log) {
          const { name, message, stack } = error;
          log(
            JSON.stringify({
              time: new Date().toISOString(),
              level: 'warn',
              message: 'message failed; it will be retried',
              requestId: context.awsRequestId,
              messageId: record.messageId,
              error: { name, message, stack },
            }),
          );
        }
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  };
}

async function rawS3Handler(event) {
  for (const record of event.Records) {
    const object = record.s3.object;
    await recordSize(decodeURIComponent(object.key.replace(/\+/g, ' ')), object.size);
  }
}

function adapterHandlers(logging) {
  const uploads = bucket('uploads');
  const rows = queue('rows');
  const pipeline = definePipeline('bench', {
    count: { trigger: onMessage(rows), handler: (message) => addAmount(message.body) },
    sizes: {
      trigger: onObjectCreated(uploads),
      handler: (event) => recordSize(event.key, event.size),
    },
  });
  const logger = logging ? createJsonLogger({ write: drop }) : false;
  const options = { env: ENV, logger, resolver: RESOLVER };

  return {
    sqs: createHandler(pipeline, 'count', options),
    s3: createHandler(pipeline, 'sizes', options),
  };
}

async function timePerCall(handler, event, calls) {
  const started = performance.now();
  for (let call = 0; call < calls; call++) await handler(event, CONTEXT);

  return ((performance.now() - started) * 1000) / calls;
}

/** Median of per-round mean microseconds per call, the variants alternating within rounds. */
async function compare(ours, raw, event, calls = CALLS) {
  for (let warm = 0; warm < 3; warm++) {
    await timePerCall(ours, event, calls);
    await timePerCall(raw, event, calls);
  }
  const oursUs = [];
  const rawUs = [];
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) {
      oursUs.push(await timePerCall(ours, event, calls));
      rawUs.push(await timePerCall(raw, event, calls));
    } else {
      rawUs.push(await timePerCall(raw, event, calls));
      oursUs.push(await timePerCall(ours, event, calls));
    }
  }

  return { ours: median(oursUs), raw: median(rawUs) };
}

/** One process's figures: every comparison, on handlers made in this process. */
async function measure() {
  const logged = adapterHandlers(true);
  const quiet = adapterHandlers(false);
  const sqsResult = await logged.sqs(sqsEvent(), CONTEXT);
  if (sqsResult.batchItemFailures.length !== 2) throw new Error('the adapter did not fail two');

  const sqs = await compare(logged.sqs, rawSqsHandler(drop), sqsEvent());
  const s3 = await compare(logged.s3, rawS3Handler, s3Event(), S3_CALLS);
  const noLog = await compare(quiet.sqs, rawSqsHandler(undefined), sqsEvent());
  const inline = await compare(logged.sqs, rawSqsHandler(drop, true), sqsEvent());

  return {
    sqsRatio: sqs.ours / sqs.raw,
    sqsUs: sqs.ours,
    sqsRawUs: sqs.raw,
    s3Ratio: s3.ours / s3.raw,
    s3Us: s3.ours,
    s3RawUs: s3.raw,
    sqsInlineRatio: inline.ours / inline.raw,
    sqsInlineRawUs: inline.raw,
    noLogSqsRatio: noLog.ours / noLog.raw,
    noLogSqsUs: noLog.ours,
    noLogSqsRawUs: noLog.raw,
    // Read so that no variant's work can be optimised away.
    workDone: total > 0 && sizes.size === 1,
  };
}

/** Runs {@link measure} in a process of its own and gives back its figures. */
function measureInChild() {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [], {
      env: { ...process.env, [CHILD]: '1' },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    child.once('message', (figures) => {
      child.disconnect();
      resolve(figures);
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`a measuring process exited with ${code}`));
    });
  });
}

export default async function run() {
  const processes = [];
  for (let at = 0; at < PROCESSES; at++) processes.push(await measureInChild());
  const figure = (name) => median(processes.map((figures) => figures[name]));
  const names = Object.keys(processes[0]).filter((name) => name !== 'workDone');
  const result = Object.fromEntries(names.map((name) => [name, round(figure(name))]));

  return {
    ratio: Math.max(result.sqsRatio, result.s3Ratio),
    ...result,
    sqsRatioByProcess: processes.map((figures) => round(figures.sqsRatio)),
    workDone: processes.every((figures) => figures.workDone),
  };
}

if (process.env[CHILD] === '1') process.send(await measure());

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);

  return sorted[Math.floor(sorted.length / 2)];
}

function round(value) {
  return Math.round(value * 1000) / 1000;
}
