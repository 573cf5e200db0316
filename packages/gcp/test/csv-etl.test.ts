// The csv-etl example, unchanged, through the GCP handlers: uploads go to the GCS test server,
// whose finalize notifications are posted to the framework as Eventarc storage CloudEvents; the
// messages the handlers publish go to the Pub/Sub emulator, are pulled from subscriptions that
// stand in for Eventarc's and posted as messagePublished CloudEvents, some of them twice. The
// reports are checked against an independent count of the data and against a local-runtime run.

import { execFileSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type DeadLetterRecord,
  listAll,
  type ObjectStore,
  QueueRef,
  readAll,
} from '@cloudport/core';
import { createLocalRuntime } from '@cloudport/local';
import { PubSub } from '@google-cloud/pubsub';
import { Storage } from '@google-cloud/storage';
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
  type Sample,
} from '../../../examples/csv-etl/test/support/samples.js';
import {
  type GcsChange,
  type GcsServer,
  startGcsServer,
} from '../../../test/gcs-server/server.mjs';
import {
  createGcsStore,
  createPubSubPullQueue,
  type PubSubPullQueue,
  registerFunctions,
} from '../src/index.js';
import { publishedEvent, storageEvent } from './support/events.js';
import { type Fixture, postFixture } from './support/fixtures.js';
import { type ServedFunction, serve } from './support/framework.js';
import {
  type PubSubEmulator,
  startPubSubEmulator,
  whenEmulator,
} from './support/pubsub-emulator.js';

process.env.METADATA_SERVER_DETECTION = 'none';

const GENERATOR = fileURLToPath(
  new URL('../../../examples/csv-etl/scripts/generate-data.mjs', import.meta.url),
);
/** Rows of the generated file: a hundred batches, streamed up as one resumable upload. */
const LARGE_ROWS = 50_000;
/** Every third message of a queue is delivered twice, as Pub/Sub may. */
const TWICE_EVERY = 3;
/** Attempts at a storage event before the test gives up on it. */
const EVENT_ATTEMPTS = 5;

interface Reports {
  overall: OverallReport;
  files: Map<string, FileReport>;
}

async function readJson<T>(store: ObjectStore, key: string): Promise<T> {
  return JSON.parse((await readAll((await store.get(key)).body)).toString('utf8')) as T;
}

async function readReports(store: ObjectStore): Promise<Reports> {
  const files = new Map<string, FileReport>();
  for await (const info of listAll(store, KEYS.fileReports)) {
    const report = await readJson<FileReport>(store, info.key);
    files.set(report.file.key, report);
  }

  return { overall: await readJson<OverallReport>(store, KEYS.overall), files };
}

if (whenEmulator({ describe, it }, 'csv-etl through the GCP handlers')) {
  let work: string;
  let emulator: PubSubEmulator;
  let gcs: GcsServer;
  let pubsub: PubSub;
  let uploads: Array<Sample & { path?: string }>;
  let expected: ExpectedFile[];
  let gcp: Reports;
  let local: Reports;
  let localLetters: Array<{ function?: string | undefined; reason: string }>;
  const gcpLetters: DeadLetterRecord[] = [];
  const deliveries = { storage: 0, messages: 0, twice: 0, failed: 0 };
  const served = new Map<string, ServedFunction>();

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'csv-etl-gcp-'));
    const large = join(work, 'orders-2025-large.csv');
    execFileSync(process.execPath, [GENERATOR, '--rows', String(LARGE_ROWS), '--out', large]);
    uploads = [
      ...committedSamples(),
      { key: 'orders-2025-large.csv', text: readFileSync(large, 'utf8'), path: large },
      brokenOrders('broken.csv', 700),
    ];
    expected = uploads.map((upload) => expectFile(upload.key, upload.text));
    [emulator, gcs] = await Promise.all([startPubSubEmulator(), startGcsServer({ dir: work })]);
    pubsub = new PubSub({ projectId: emulator.projectId, apiEndpoint: emulator.endpoint });
    const storage = new Storage({ apiEndpoint: gcs.url, projectId: 'demo' });
    gcp = await runOnGcp(storage);
    local = await runLocally();
  }, 600_000);

  afterAll(async () => {
    for (const server of served.values()) await server.close();
    await pubsub?.close();
    await Promise.all([emulator?.stop(), gcs?.close()]);
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** Deploys the pipeline on the test servers, uploads the files and delivers every event. */
  async function runOnGcp(storage: Storage): Promise<Reports> {
    const suffix = randomUUID().slice(0, 6);
    const physical = (name: string) => `csv-etl-${name}-${suffix}`;
    const env: Record<string, string> = { CLOUDPORT_PIPELINE: 'csv-etl' };
    const { buckets, queues } = pipeline.resources();
    for (const name of buckets.keys()) {
      gcs.createBucket(physical(name));
      env[`CLOUDPORT_BUCKET_${name.toUpperCase().replaceAll('-', '_')}`] = physical(name);
    }
    const consumers = new Map<string, PubSubPullQueue<unknown>>();
    for (const [name, ref] of queues) {
      const [topic] = await pubsub.createTopic(physical(name));
      // Stands in for the subscription Eventarc creates; its dead-letter policy makes Pub/Sub
      // count deliveries, which the handlers then see.
      const [dead] = await pubsub.createTopic(`${physical(name)}-failed`);
      await topic.createSubscription(`${physical(name)}-sub`, {
        ackDeadlineSeconds: 60,
        deadLetterPolicy: { deadLetterTopic: dead.name, maxDeliveryAttempts: 5 },
      });
      env[`CLOUDPORT_QUEUE_${name.toUpperCase().replaceAll('-', '_')}`] = physical(name);
      const raw = new QueueRef(ref.name, { body: 'bytes', visibilityTimeoutSeconds: 60 });
      consumers.set(
        name,
        createPubSubPullQueue({
          queue: raw,
          subscription: `${physical(name)}-sub`,
          client: pubsub,
        }) as PubSubPullQueue<unknown>,
      );
    }
    const registration = registerFunctions(pipeline, { env, storage, pubsub, logger: false });
    for (const [name, entryPoint] of registration.entryPoints)
      served.set(name, await serve(entryPoint));

    const pending: Array<{ fixture: Fixture; attempts: number }> = [];
    const stop = gcs.onChange((change: GcsChange) => {
      if (change.type !== 'finalized' || change.resource.bucket !== physical('uploads')) return;
      const { bucket, name, generation } = change.resource;
      const id = createHash('sha256').update(`${bucket}/${name}#${generation}`).digest('hex');
      pending.push({
        fixture: storageEvent('finalized', change.resource, id.slice(0, 20)),
        attempts: 0,
      });
    });
    const bucket = storage.bucket(physical('uploads'));
    for (const upload of uploads) {
      const file = bucket.file(upload.key);
      const metadata = { contentType: 'text/csv' };
      if (upload.path) {
        const { createReadStream } = await import('node:fs');
        const { pipeline: pipe } = await import('node:stream/promises');
        await pipe(createReadStream(upload.path), file.createWriteStream({ metadata }));
      } else {
        await file.save(upload.text, { resumable: false, metadata });
      }
    }
    stop();

    const post = async (name: string, fixture: Fixture) => {
      const response = await postFixture(served.get(name)?.url as string, fixture);
      await response.arrayBuffer();
      return response.status >= 200 && response.status < 300;
    };
    const consumerOf = { rows: 'aggregate', 'invalid-rows': 'reject' } as const;
    for (let idle = 0; idle < 3; ) {
      let moved = 0;
      for (const event of pending.splice(0)) {
        deliveries.storage += 1;
        if (await post('parse', event.fixture)) continue;
        event.attempts += 1;
        if (event.attempts < EVENT_ATTEMPTS) pending.push(event);
      }
      for (const [queue, fn] of Object.entries(consumerOf)) {
        const consumer = consumers.get(queue) as PubSubPullQueue<unknown>;
        const batch = await consumer.receive({ maxMessages: 10, waitMs: 200 });
        moved += batch.length;
        await Promise.all(
          batch.map(async (message) => {
            const fixture = publishedEvent({
              projectId: emulator.projectId,
              topic: physical(queue),
              messageId: message.messageId,
              data: message.body as Uint8Array,
              attributes: message.attributes,
              publishTime: message.sentAt.toISOString(),
              deliveryAttempt: message.deliveryCount,
            });
            deliveries.messages += 1;
            const ok = await post(fn, fixture);
            if (ok && Number(message.messageId) % TWICE_EVERY === 0) {
              deliveries.twice += 1;
              await post(fn, fixture);
            }
            if (ok) await consumer.complete(message);
            else {
              deliveries.failed += 1;
              await consumer.retry(message);
            }
          }),
        );
      }
      idle = moved === 0 && pending.length === 0 ? idle + 1 : 0;
    }
    const sweep = publishedEvent({
      projectId: emulator.projectId,
      topic: physical('sweep'),
      messageId: 'sweep-1',
      data: Buffer.from('{"schedule":"15 minutes"}'),
      attributes: { 'cloudport-function': 'sweep' },
    });
    expect(await post('sweep', sweep)).toBe(true);

    const dead = consumers.get('dead-letters') as PubSubPullQueue<unknown>;
    for (;;) {
      const batch = await dead.receive({ maxMessages: 100, waitMs: 500 });
      if (batch.length === 0) break;
      for (const message of batch) {
        gcpLetters.push(JSON.parse(Buffer.from(message.body as Uint8Array).toString('utf8')));
        await dead.complete(message);
      }
    }
    for (const consumer of consumers.values()) await consumer.close();
    const reports = createGcsStore({
      bucket: 'reports',
      physicalName: physical('reports'),
      client: storage,
    });

    return readReports(reports);
  }

  /** The same uploads on the local runtime, for comparison. */
  async function runLocally(): Promise<Reports> {
    const runtime = await createLocalRuntime({
      pipeline,
      root: join(work, 'local'),
      logger: false,
    });
    try {
      for (const upload of uploads) {
        await runtime.store('uploads').put(upload.key, upload.text, { contentType: 'text/csv' });
      }
      await runtime.drain();
      localLetters = await runtime.deadLetters();
      return await readReports(runtime.store('reports'));
    } finally {
      await runtime.close();
    }
  }

  describe('csv-etl through the GCP handlers', () => {
    it('delivered storage events and messages, some messages twice', () => {
      expect(deliveries.storage).toBeGreaterThanOrEqual(uploads.length);
      expect(deliveries.messages).toBeGreaterThan(100);
      expect(deliveries.twice).toBeGreaterThan(10);
    });

    it('writes an overall report that matches an independent count of the data', () => {
      const want = expectOverall(expected);

      expect(gcp.overall.totals).toEqual(want.totals);
      expect(gcp.overall.byRegion).toEqual(Object.fromEntries(want.byRegion));
      expect(gcp.overall.bySku).toEqual(Object.fromEntries(want.bySku));
      expect(gcp.overall.rows).toEqual({ valid: want.totals.orders, invalid: want.invalid });
      expect(gcp.overall.files).toEqual({ counted: uploads.length - 1, rejected: 1 });
    });

    it('writes one report per file with its own totals', () => {
      expect([...gcp.files.keys()].sort()).toEqual(uploads.map((upload) => upload.key).sort());
      for (const file of expected) {
        const report = gcp.files.get(file.key) as FileReport;
        expect(report.status, file.key).toBe(file.rejected ? 'rejected' : 'counted');
        expect(report.totals, file.key).toEqual(file.totals);
        expect(report.byRegion, file.key).toEqual(Object.fromEntries(file.byRegion));
      }
    });

    it('reports exactly what the local runtime reports', () => {
      const { sources: _gcpSources, ...gcpOverall } = gcp.overall;
      const { sources: _localSources, ...localOverall } = local.overall;
      expect(gcpOverall).toEqual(localOverall);
      for (const [key, report] of local.files) {
        const { file: _file, ...facts } = report;
        const { file: _gcpFile, ...gcpFacts } = gcp.files.get(key) as FileReport;
        expect(gcpFacts, key).toEqual(facts);
      }
    });

    it('dead-letters the invalid rows and the broken file as the local runtime does', () => {
      const reasons = (letters: Array<{ function?: string | undefined; reason: string }>) =>
        [...new Set(letters.map((letter) => `${letter.function}: ${letter.reason}`))].sort();
      const wanted = expected
        .filter((file) => !file.rejected)
        .reduce((sum, file) => sum + file.invalidLines.length, 0);

      expect(reasons(gcpLetters)).toEqual(reasons(localLetters));
      expect(reasons(gcpLetters).filter((reason) => reason.startsWith('reject:'))).toHaveLength(
        wanted,
      );
      expect(gcpLetters.every((letter) => letter.pipeline === 'csv-etl')).toBe(true);
    });
  });
}
