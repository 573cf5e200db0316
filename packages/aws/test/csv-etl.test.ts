// The csv-etl example, unchanged, through the AWS handlers against moto: objects are put into
// moto's S3, which sends its own event notification of each to a queue; each is given to the
// `parse` handler as S3 would give it to a Lambda function (some twice, as a Lambda retry would,
// one again after its file was reported), the messages it sent are received from moto's SQS and
// given to the `aggregate` and `reject` handlers as SQS events (every second batch delivered
// again, as after a crash before the deletes), and the reports in moto's S3 are checked against
// an independent count and against a run of the same files on the local runtime. One key holds
// a space, a `+` and a non-ASCII character, which the notification carries form-encoded.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { createHandler, type LambdaHandler, type SqsBatchResult } from '@cloudport/aws';
import {
  bindingVariable,
  type DeadLetterRecord,
  listAll,
  type ObjectTrigger,
  type PipelineFunction,
  readAll,
} from '@cloudport/core';
import { createLocalRuntime } from '@cloudport/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYS } from '../../../examples/csv-etl/src/keys.js';
import type { FileReport, OverallReport } from '../../../examples/csv-etl/src/model.js';
import pipeline from '../../../examples/csv-etl/src/pipeline.js';
import {
  type ExpectedFile,
  expectFile,
  expectOverall,
} from '../../../examples/csv-etl/test/support/expected.js';
import {
  brokenOrders,
  committedSamples,
  manyOrders,
  type Sample,
} from '../../../examples/csv-etl/test/support/samples.js';
import { createBucket, s3ClientFor, sqsClientFor } from './support/clients.js';
import { fromReceived } from './support/lambda-events.js';
import {
  type NotificationQueue,
  nextNotification,
  notifyQueue,
  type ReceivedNotification,
} from './support/s3-notifications.js';
import { motoStatus, startMoto, type TestServer } from './support/servers.js';

const moto = motoStatus();
/** A key whose S3 notification is form-encoded: `+` for the space, `%2B`, UTF-8 escapes. */
const ODD_KEY = '2026 Q1/orders+north ü.csv';
const BROKEN_KEY = 'broken.csv';
const uploads: Sample[] = [
  ...committedSamples(),
  manyOrders('orders-2026-03-many.csv', 6000),
  manyOrders(ODD_KEY, 1200),
  brokenOrders(BROKEN_KEY, 300),
];
const expected: ExpectedFile[] = uploads.map((upload) => expectFile(upload.key, upload.text));
/** Uploads whose S3 event is given to `parse` twice in a row, as a Lambda retry would. */
const TWICE = new Set([...uploads.slice(0, 2).map((upload) => upload.key), ODD_KEY, BROKEN_KEY]);

let server: TestServer | undefined;
let s3: S3Client;
let sqs: SQSClient;
const physical = new Map<string, string>();
const queueArns = new Map<string, string>();
const handlers = new Map<string, LambdaHandler>();
let requests = 0;
/** Messages handed to a handler again after a simulated crash, by queue. */
const redelivered = new Map<string, number>();
let notifications: NotificationQueue;
/** S3 events as moto sent them, by the uploaded (decoded) key. */
const received = new Map<string, ReceivedNotification>();
/** How many times each upload's S3 event was given to `parse`. */
const parsed = new Map<string, number>();
/** The reports bucket (key to ETag) before and after the late delivery of an S3 event. */
const snapshots: Array<Map<string, string>> = [];
/** Messages the consumers received after that late delivery. */
let lateMessages = -1;
const context = () => ({
  awsRequestId: `csv-etl-${++requests}`,
  getRemainingTimeInMillis: () => 540_000,
});

if (!moto.available) {
  if (process.env.CI === 'true') {
    it('moto_server is installed (required on CI)', () => {
      throw new Error(moto.reason);
    });
  } else {
    console.warn(`Skipping csv-etl through the AWS handlers: ${moto.reason}.`);
    describe.skip('csv-etl through the AWS handlers on moto', () => it('needs moto', () => {}));
  }
} else {
  beforeAll(async () => {
    server = await startMoto();
    s3 = s3ClientFor(server.endpoint);
    sqs = sqsClientFor(server.endpoint);
    await deploy();
    await runPipelineOnAws();
  }, 300_000);

  afterAll(async () => {
    s3?.destroy();
    sqs?.destroy();
    await server?.stop();
  });

  describe('csv-etl through the AWS handlers on moto', () => {
    it('writes an overall report that matches an independent count of the data', async () => {
      const overall = await readReport<OverallReport>(KEYS.overall);
      const want = expectOverall(expected);
      expect(overall.totals).toEqual(want.totals);
      expect(overall.byRegion).toEqual(Object.fromEntries(want.byRegion));
      expect(overall.bySku).toEqual(Object.fromEntries(want.bySku));
      expect(overall.rows).toEqual({ valid: want.totals.orders, invalid: want.invalid });
      expect(overall.files).toEqual({ counted: uploads.length - 1, rejected: 1 });
    });

    it('gave the handlers S3 events twice and SQS messages again, as Lambda may', () => {
      for (const key of TWICE) expect(parsed.get(key), key).toBeGreaterThanOrEqual(2);
      expect(redelivered.get('rows')).toBeGreaterThan(0);
      expect(redelivered.get('invalid-rows')).toBeGreaterThan(0);
    });

    it('writes one report per file with its own totals', async () => {
      const reports = await awsFileReports();
      expect([...reports.keys()].sort()).toEqual(uploads.map((upload) => upload.key).sort());
      for (const file of expected) {
        const report = reports.get(file.key) as FileReport;
        expect(report.status, file.key).toBe(file.rejected ? 'rejected' : 'counted');
        expect(report.totals, file.key).toEqual(file.totals);
        expect(report.byRegion, file.key).toEqual(Object.fromEntries(file.byRegion));
      }
    });

    it('sends every invalid row and the broken file to the dead-letter queue', async () => {
      const records = await deadLetterRecords();
      const rows = records.filter((record) => record.function === 'reject');
      const files = records.filter((record) => record.function === 'parse');
      // A redelivered row message is dead-lettered again (its first attempt may have stopped
      // before forwarding), so rows can repeat; each invalid row is there, and nothing else.
      const named = new Set(rows.map((record) => /^(.+ line \d+):/.exec(record.reason)?.[1]));
      const wanted = expected.flatMap((file) =>
        file.rejected ? [] : file.invalidLines.map((line) => `${file.key} line ${line}`),
      );
      expect([...named].sort()).toEqual(wanted.sort());
      const claims = new Map<string, Set<string>>();
      for (const record of rows) {
        claims.set(record.reason, (claims.get(record.reason) ?? new Set()).add(record.eventId));
      }
      expect([...claims.values()].every((ids) => ids.size === 1)).toBe(true);
      // The broken file's S3 event came twice, and each delivery dead-letters it again, under
      // the one event id both deliveries share.
      const malformed = expect.stringMatching(/^broken\.csv was not counted: the CSV is malformed/);
      expect(parsed.get(BROKEN_KEY)).toBe(2);
      expect(files.map((record) => record.reason)).toEqual([malformed, malformed]);
      expect(new Set(files.map((record) => record.eventId)).size).toBe(1);
    });

    it('decodes the form-encoded key of an S3 notification into the uploaded key', async () => {
      const [record] = received.get(ODD_KEY)?.notification.Records ?? [];
      // A space as `+`, a plus as `%2B`, `ü` as its UTF-8 bytes; moto escapes the `/` too.
      expect(record?.s3?.object?.key).toMatch(/^2026\+Q1(\/|%2F)orders%2Bnorth\+%C3%BC\.csv$/);
      const reports = await awsFileReports();
      const file = expected.find((entry) => entry.key === ODD_KEY) as ExpectedFile;
      expect([...reports.keys()]).toContain(ODD_KEY);
      const report = reports.get(ODD_KEY) as FileReport;
      expect(report.status).toBe('counted');
      expect(report.totals).toEqual(file.totals);
      expect(report.rows).toEqual({ valid: file.valid, invalid: file.invalidLines.length });
    });

    it('counts a file once when S3 delivers its event twice, even after its report', async () => {
      expect(parsed.get(ODD_KEY)).toBe(3);
      // The last delivery came after the file was reported: it sent no row and wrote nothing.
      expect(lateMessages).toBe(0);
      expect(snapshots[0]?.has(KEYS.overall)).toBe(true);
      expect(snapshots[1]).toEqual(snapshots[0]);
      const overall = await readReport<OverallReport>(KEYS.overall);
      const entries = overall.sources.filter((entry) => entry.key === ODD_KEY);
      const file = expected.find((entry) => entry.key === ODD_KEY) as ExpectedFile;
      expect(entries).toHaveLength(1);
      expect(entries[0]?.revenueCents).toBe(file.totals.revenueCents);
      expect(entries[0]?.rows.valid).toBe(file.valid);
    });

    it('reports the same as the local runtime given the same files', async () => {
      const local = await runOnLocalRuntime();
      const aws = await readReport<OverallReport>(KEYS.overall);
      const pick = ({ totals, byRegion, bySku, rows, files, revenue }: OverallReport) => ({
        totals,
        byRegion,
        bySku,
        rows,
        files,
        revenue,
      });
      expect(pick(aws)).toEqual(pick(local.overall));
      const awsFiles = await awsFileReports();
      for (const [key, report] of local.files) {
        const { file: _a, ...mine } = awsFiles.get(key) as FileReport;
        const { file: _b, ...theirs } = report;
        expect(mine, key).toEqual(theirs);
      }
    });
  });
}

/** Creates the buckets and queues and binds them, as deploy would. */
async function deploy(): Promise<void> {
  const env: Record<string, string> = { CLOUDPORT_PIPELINE: pipeline.name };
  const { buckets, queues } = pipeline.resources();
  for (const name of buckets.keys()) {
    physical.set(name, await createBucket(s3, `csv-etl-${name}`));
    env[bindingVariable('bucket', name)] = physical.get(name) as string;
  }
  const { trigger } = pipeline.functions.get('parse') as PipelineFunction<ObjectTrigger>;
  const uploadsBucket = physical.get(trigger.bucket.name) as string;
  notifications = await notifyQueue(s3, sqs, uploadsBucket, trigger);
  for (const name of queues.keys()) {
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({
        QueueName: `csv-etl-${name}-${Date.now().toString(36)}`,
        Attributes: { MaximumMessageSize: '1048576', VisibilityTimeout: '30' },
      }),
    );
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    physical.set(name, QueueUrl as string);
    queueArns.set(name, attributes.Attributes?.QueueArn as string);
    env[bindingVariable('queue', name)] = QueueUrl as string;
  }
  for (const name of pipeline.functions.keys()) {
    handlers.set(
      name,
      createHandler(pipeline, name, { env, logger: false, s3Client: s3, sqsClient: sqs }),
    );
  }
}

async function runPipelineOnAws(): Promise<void> {
  const bucket = physical.get('uploads') as string;
  for (const upload of uploads) {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: upload.key,
        Body: upload.text,
        ContentType: 'text/csv',
      }),
    );
    const notification = await nextNotification(sqs, notifications);
    const keys = notification.notification.Records.map((record) => record.s3?.object?.key);
    // Decoded here the way AWS documents, apart from the adapter, to pair event and upload.
    const decoded = keys.map((key) => decodeURIComponent(String(key).replace(/\+/g, ' ')));
    expect(decoded, 'the S3 event of the upload').toEqual([upload.key]);
    received.set(upload.key, notification);
    await parseUpload(upload.key);
    // Lambda may deliver an asynchronous event again: the example must count it once.
    if (TWICE.has(upload.key)) await parseUpload(upload.key);
  }
  await pump('rows', handlers.get('aggregate') as LambdaHandler);
  await pump('invalid-rows', handlers.get('reject') as LambdaHandler);
  const tick = { cloudport: 'schedule', schedule: 'csv-etl-sweep', time: new Date().toISOString() };
  await (handlers.get('sweep') as LambdaHandler)(tick, context());

  // Lambda retries an asynchronous event for up to six hours: one comes after all is reported.
  snapshots.push(await reportObjects());
  await parseUpload(ODD_KEY);
  lateMessages =
    (await pump('rows', handlers.get('aggregate') as LambdaHandler)) +
    (await pump('invalid-rows', handlers.get('reject') as LambdaHandler));
  snapshots.push(await reportObjects());
}

/**
 * Gives `parse` the S3 event moto sent for an upload, parsed afresh from the message body, so
 * that every delivery is the identical record. Moto's records carry no `sequencer`, so the
 * adapter's event id falls back to the record's `eventTime`, which a retry repeats too.
 */
async function parseUpload(key: string): Promise<void> {
  const { body } = received.get(key) as ReceivedNotification;
  parsed.set(key, (parsed.get(key) ?? 0) + 1);
  await (handlers.get('parse') as LambdaHandler)(JSON.parse(body), context());
}

/**
 * Plays an SQS event source mapping: receives batches of up to 10, hands each to the handler,
 * deletes the messages it did not report failed, and makes the failed ones visible again.
 * Every second batch is delivered again whole, as when a function dies before the deletes.
 */
async function pump(queue: string, handler: LambdaHandler): Promise<number> {
  const url = physical.get(queue) as string;
  const arn = queueArns.get(queue) as string;
  let batches = 0;
  let count = 0;
  for (let empty = 0; empty < 2; ) {
    const { Messages: messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    if (messages.length === 0) {
      empty += 1;
      continue;
    }
    empty = 0;
    batches += 1;
    count += messages.length;
    expect(batches, `${queue} keeps failing`).toBeLessThan(500);
    const event = { Records: messages.map((message) => fromReceived(message, arn)) };
    const result = (await handler(event, context())) as SqsBatchResult;
    const failed = new Set(result.batchItemFailures.map((failure) => failure.itemIdentifier));
    const crashed =
      batches % 2 === 0 &&
      messages.every((message) => message.Attributes?.ApproximateReceiveCount === '1');
    if (crashed) redelivered.set(queue, (redelivered.get(queue) ?? 0) + messages.length);
    for (const message of messages) {
      const again = crashed || failed.has(message.MessageId as string);
      const ReceiptHandle = message.ReceiptHandle;
      if (again) {
        await sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: url,
            ReceiptHandle,
            VisibilityTimeout: 0,
          }),
        );
      } else {
        await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle }));
      }
    }
  }

  return count;
}

/** Every object of the reports bucket, key to ETag. */
async function reportObjects(): Promise<Map<string, string>> {
  const objects = new Map<string, string>();
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: physical.get('reports'), ContinuationToken: token }),
    );
    for (const item of page.Contents ?? []) objects.set(item.Key as string, item.ETag as string);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);

  return objects;
}

async function readReport<T>(key: string): Promise<T> {
  const bucket = physical.get('reports') as string;
  const output = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));

  return JSON.parse(
    await (output.Body as { transformToString(): Promise<string> }).transformToString(),
  ) as T;
}

async function awsFileReports(): Promise<Map<string, FileReport>> {
  const bucket = physical.get('reports') as string;
  const listed = await s3.send(
    new ListObjectsV2Command({ Bucket: bucket, Prefix: KEYS.fileReports }),
  );
  const reports = new Map<string, FileReport>();
  for (const item of listed.Contents ?? []) {
    const report = await readReport<FileReport>(item.Key as string);
    reports.set(report.file.key, report);
  }

  return reports;
}

async function deadLetterRecords(): Promise<DeadLetterRecord[]> {
  const url = physical.get('dead-letters') as string;
  const records: DeadLetterRecord[] = [];
  for (;;) {
    const { Messages: messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }),
    );
    if (messages.length === 0) return records;
    records.push(
      ...messages.map((message) => JSON.parse(message.Body as string) as DeadLetterRecord),
    );
  }
}

async function runOnLocalRuntime() {
  const root = await mkdtemp(join(tmpdir(), 'csv-etl-aws-compare-'));
  const runtime = await createLocalRuntime({ pipeline, root, logger: false });
  try {
    for (const upload of uploads) {
      await runtime.store('uploads').put(upload.key, upload.text, { contentType: 'text/csv' });
    }
    await runtime.drain();
    const store = runtime.store('reports');
    const read = async <T>(key: string) =>
      JSON.parse((await readAll((await store.get(key)).body)).toString('utf8')) as T;
    const files = new Map<string, FileReport>();
    for await (const info of listAll(store, KEYS.fileReports)) {
      const report = await read<FileReport>(info.key);
      files.set(report.file.key, report);
    }
    return { overall: await read<OverallReport>(KEYS.overall), files };
  } finally {
    await runtime.close();
    await rm(root, { recursive: true, force: true });
  }
}
