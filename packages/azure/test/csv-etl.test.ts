// The csv-etl example, unchanged, through the Azure handlers: uploads written to Azurite, their
// Event Grid events fed to the registered parse handler, the messages it sends received from
// the test broker and fed to the queue handlers (some delivered twice), the sweep fired as a
// timer. The overall report and each file's report must match an independent count of the
// data and a local runtime's run.
import './helpers/functions-host.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceBusClient } from '@azure/service-bus';
import { BlobServiceClient } from '@azure/storage-blob';
import {
  type DeadLetterRecord,
  listAll,
  type ObjectStore,
  queue,
  readAll,
  setDefaultResolver,
} from '@cloudport/core';
import { createLocalRuntime } from '@cloudport/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYS } from '../../../examples/csv-etl/src/keys.js';
import type { FileReport, OverallReport } from '../../../examples/csv-etl/src/model.js';
import pipeline from '../../../examples/csv-etl/src/pipeline.js';
import { expectFile, expectOverall } from '../../../examples/csv-etl/test/support/expected.js';
import {
  brokenOrders,
  committedSamples,
  manyOrders,
  type Sample,
} from '../../../examples/csv-etl/test/support/samples.js';
import {
  type ServiceBusBroker,
  startServiceBusBroker,
} from '../../../test/service-bus-broker/index.js';
import {
  createBlobStore,
  createServiceBusQueue,
  type RegisteredFunctions,
  registerFunctions,
} from '../src/index.js';
import { type Azurite, startAzurite } from './helpers/azurite.js';
import { invokeFunction } from './helpers/functions-host.js';
import { blobEvent, eventGridInvocation, timerInvocation } from './helpers/host-data.js';
import { type DrainStats, drainQueues } from './helpers/service-bus-host.js';

const CONTAINERS = { uploads: 'etl-uploads', reports: 'etl-reports' };
const ENTITIES = { rows: 'etl-rows', invalid: 'etl-invalid-rows', dead: 'etl-dead-letters' };

let azurite: Azurite;
let broker: ServiceBusBroker;
let client: ServiceBusClient;
let registered: RegisteredFunctions;
let reports: ObjectStore;
let uploads: Sample[];
let drained: DrainStats;
let deadLetters: DeadLetterRecord[];
let localOverall: OverallReport;
let localFiles: Map<string, FileReport>;

async function readJson<T>(store: ObjectStore, key: string): Promise<T> {
  return JSON.parse((await readAll((await store.get(key)).body)).toString('utf8')) as T;
}

async function fileReports(store: ObjectStore): Promise<Map<string, FileReport>> {
  const byKey = new Map<string, FileReport>();
  for await (const info of listAll(store, KEYS.fileReports)) {
    const report = await readJson<FileReport>(store, info.key);
    byKey.set(report.file.key, report);
  }

  return byKey;
}

/** Writes one upload to Azurite and delivers its BlobCreated event to the parse handler. */
async function upload(store: ObjectStore, sample: Sample, times = 1): Promise<void> {
  const { etag } = await store.put(sample.key, sample.text, { contentType: 'text/csv' });
  const event = blobEvent({
    type: 'created',
    container: CONTAINERS.uploads,
    key: sample.key,
    size: Buffer.byteLength(sample.text),
    etag: etag.replaceAll('"', ''),
    id: `eg-${sample.key}-${etag}`,
  });
  for (let delivery = 0; delivery < times; delivery += 1) {
    const result = await invokeFunction('parse', eventGridInvocation(event));
    // A rejected file is dead-lettered to the bound queue and acknowledged.
    expect(result.ok, `parse ${sample.key}`).toBe(true);
  }
}

async function runLocally(samples: Sample[]): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'csv-etl-azure-local-'));
  const runtime = await createLocalRuntime({ pipeline, root: work, logger: false });
  try {
    for (const sample of samples) {
      await runtime.store('uploads').put(sample.key, sample.text, { contentType: 'text/csv' });
    }
    await runtime.drain();
    localOverall = await readJson<OverallReport>(runtime.store('reports'), KEYS.overall);
    localFiles = await fileReports(runtime.store('reports'));
  } finally {
    await runtime.close();
    await rm(work, { recursive: true, force: true });
  }
}

beforeAll(async () => {
  uploads = [
    ...committedSamples(),
    manyOrders('orders-2026-03-many.csv', 20_000),
    brokenOrders('broken.csv', 700),
  ];
  await runLocally(uploads);

  azurite = await startAzurite();
  broker = await startServiceBusBroker();
  client = new ServiceBusClient(broker.connectionString);
  const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
  for (const container of Object.values(CONTAINERS))
    await service.getContainerClient(container).create();
  for (const entity of Object.values(ENTITIES))
    broker.createQueue(entity, { lockDurationMs: 30_000 });
  registered = registerFunctions(pipeline, {
    env: {
      CLOUDPORT_PIPELINE: 'csv-etl',
      CLOUDPORT_STORAGE: azurite.connectionString,
      CLOUDPORT_SERVICEBUS: broker.connectionString,
      CLOUDPORT_BUCKET_UPLOADS: CONTAINERS.uploads,
      CLOUDPORT_BUCKET_REPORTS: CONTAINERS.reports,
      CLOUDPORT_QUEUE_ROWS: ENTITIES.rows,
      CLOUDPORT_QUEUE_INVALID_ROWS: ENTITIES.invalid,
      CLOUDPORT_QUEUE_DEAD_LETTERS: ENTITIES.dead,
    },
  });
  const store = createBlobStore({
    bucket: 'uploads',
    container: CONTAINERS.uploads,
    connectionString: azurite.connectionString,
  });
  reports = createBlobStore({ bucket: 'reports', container: CONTAINERS.reports, client: service });

  // One upload's event is delivered twice, as Event Grid may.
  for (const [index, sample] of uploads.entries()) await upload(store, sample, index === 0 ? 2 : 1);
  drained = await drainQueues(
    client,
    [
      { entity: ENTITIES.rows, functionName: 'aggregate' },
      { entity: ENTITIES.invalid, functionName: 'reject' },
    ],
    { redeliverEvery: 7 },
  );
  const sweep = await invokeFunction('sweep', timerInvocation(new Date().toISOString()));
  expect(sweep.ok).toBe(true);

  const dead = createServiceBusQueue({
    queue: queue<DeadLetterRecord>('dead-letters'),
    entity: ENTITIES.dead,
    client,
  });
  deadLetters = [];
  for (;;) {
    const received = await dead.receive({ maxMessages: 100, waitMs: 300 });
    if (received.length === 0) break;
    for (const message of received) {
      deadLetters.push(message.body);
      await dead.complete(message);
    }
  }
  await dead.close();
}, 300_000);

afterAll(async () => {
  await registered?.close();
  setDefaultResolver(undefined);
  await client?.close();
  await broker?.close();
  await azurite?.stop();
});

describe('csv-etl through the Azure handlers', () => {
  it('delivered some messages twice, and every one was completed in the end', () => {
    expect(drained.redelivered).toBeGreaterThan(5);
    expect(drained.abandoned).toBe(0);
    expect(broker.messages(ENTITIES.rows)).toEqual([]);
    expect(broker.messages(ENTITIES.invalid)).toEqual([]);
  });

  it('writes an overall report that matches an independent count and the local run', async () => {
    const overall = await readJson<OverallReport>(reports, KEYS.overall);
    const want = expectOverall(uploads.map((sample) => expectFile(sample.key, sample.text)));
    expect(overall.totals).toEqual(want.totals);
    expect(overall.byRegion).toEqual(Object.fromEntries(want.byRegion));
    expect(overall.bySku).toEqual(Object.fromEntries(want.bySku));
    expect(overall.rows).toEqual({ valid: want.totals.orders, invalid: want.invalid });
    expect(overall.files).toEqual({ counted: uploads.length - 1, rejected: 1 });
    for (const field of ['totals', 'byRegion', 'bySku', 'rows', 'files'] as const) {
      expect(overall[field], field).toEqual(localOverall[field]);
    }
  });

  it('writes one report per file with the totals an independent count gives it', async () => {
    const azure = await fileReports(reports);
    expect([...azure.keys()].sort()).toEqual(uploads.map((sample) => sample.key).sort());
    for (const file of uploads.map((sample) => expectFile(sample.key, sample.text))) {
      const report = azure.get(file.key) as FileReport;
      expect(report.status, file.key).toBe(file.rejected ? 'rejected' : 'counted');
      expect(report.totals, file.key).toEqual(file.totals);
      expect(report.byRegion, file.key).toEqual(Object.fromEntries(file.byRegion));
      expect(report.bySku, file.key).toEqual(Object.fromEntries(file.bySku));
      if (file.rejected) continue;
      expect(report.rows, file.key).toEqual({
        valid: file.valid,
        invalid: file.invalidLines.length,
      });
    }
  });

  it('writes the same file reports as the local run', async () => {
    const azure = await fileReports(reports);
    expect([...azure.keys()].sort()).toEqual([...localFiles.keys()].sort());
    for (const [key, report] of azure) {
      const local = localFiles.get(key) as FileReport;
      for (const field of ['status', 'totals', 'byRegion', 'bySku', 'rows', 'batches'] as const) {
        expect(report[field], `${key} ${field}`).toEqual(local[field]);
      }
    }
  });

  it('dead-letters each invalid row once and the broken file as a whole', () => {
    const expected = uploads.map((sample) => expectFile(sample.key, sample.text));
    const rows = deadLetters.filter((record) => record.function === 'reject');
    const wanted = expected
      .filter((file) => !file.rejected)
      .flatMap((file) => file.invalidLines.map((line) => `${file.key} line ${line}`));
    const named = rows.map((record) =>
      /^(.+) line (\d+): \S/.exec(record.reason)?.slice(1, 3).join(' line '),
    );
    expect(new Set(named)).toEqual(new Set(wanted));
    // A row is dead-lettered again only by a redelivery of the message that claimed it.
    const claims = new Map<string | undefined, Set<string>>();
    rows.forEach((record, index) => {
      claims.set(named[index], (claims.get(named[index]) ?? new Set()).add(record.eventId));
    });
    expect([...claims.values()].every((ids) => ids.size === 1)).toBe(true);
    expect(
      deadLetters.filter((record) => record.function === 'parse').map((r) => r.reason),
    ).toEqual([expect.stringMatching(/^broken\.csv was not counted/)]);
  });
});
