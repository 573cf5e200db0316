import { createHash, randomUUID } from 'node:crypto';
import { type DeadLetterRecord, encodeBody, type Pipeline, type QueueRef } from '@cloudport/core';
import {
  type AdapterHarness,
  adapterConformance,
  type ObjectFact,
  type PlatformOutcome,
} from '@cloudport/testing';
import { PubSub } from '@google-cloud/pubsub';
import { Storage } from '@google-cloud/storage';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type GcsServer, startGcsServer } from '../../../test/gcs-server/server.mjs';
import { createPubSubPullQueue, GCP_CAPABILITIES, registerFunctions } from '../src/index.js';
import { publishedEvent, storageEvent } from './support/events.js';
import { type Fixture, postFixture } from './support/fixtures.js';
import { type ServedFunction, serve } from './support/framework.js';
import {
  type PubSubEmulator,
  startPubSubEmulator,
  whenEmulator,
} from './support/pubsub-emulator.js';

process.env.METADATA_SERVER_DETECTION = 'none';

/** One invocation's requests (one per message) and, after the run, their statuses. */
type Input = { fixtures: Fixture[] };
type Output = number[];

if (whenEmulator({ describe, it }, 'GCP adapter conformance')) {
  let emulator: PubSubEmulator;
  let gcs: GcsServer;
  let pubsub: PubSub;
  let storage: Storage;

  beforeAll(async () => {
    [emulator, gcs] = await Promise.all([startPubSubEmulator(), startGcsServer()]);
    pubsub = new PubSub({ projectId: emulator.projectId, apiEndpoint: emulator.endpoint });
    storage = new Storage({ apiEndpoint: gcs.url, projectId: 'demo' });
  }, 90_000);

  afterAll(async () => {
    await pubsub?.close();
    await Promise.all([emulator?.stop(), gcs?.close()]);
  });

  async function createHarness(pipeline: Pipeline): Promise<AdapterHarness<Input, Output>> {
    const suffix = randomUUID().slice(0, 8);
    const physical = (name: string) => `${name}-${suffix}`;
    const env: Record<string, string> = {};
    const { buckets, queues } = pipeline.resources();
    for (const name of buckets.keys()) {
      env[`CLOUDPORT_BUCKET_${name.toUpperCase().replaceAll('-', '_')}`] = physical(name);
      gcs.createBucket(physical(name));
    }
    for (const name of queues.keys()) {
      env[`CLOUDPORT_QUEUE_${name.toUpperCase().replaceAll('-', '_')}`] = physical(name);
      const [topic] = await pubsub.createTopic(physical(name));
      await topic.createSubscription(`${physical(name)}-read`);
    }
    const registration = registerFunctions(pipeline, { env, storage, pubsub, logger: false });
    const served = new Map<string, ServedFunction>();
    for (const [name, entryPoint] of registration.entryPoints)
      served.set(name, await serve(entryPoint));
    const refOf = (name: string) => queues.get(name) as QueueRef<unknown>;
    const message = (queue: string, id: string, body: unknown, extra: object = {}): Fixture =>
      publishedEvent({
        projectId: emulator.projectId,
        topic: physical(queue),
        messageId: id,
        data: encodeBody(refOf(queue).body, body),
        ...extra,
      });
    const objectFixture = (fact: ObjectFact): Fixture =>
      storageEvent(
        fact.type === 'created' ? 'finalized' : 'deleted',
        {
          bucket: physical(fact.bucket),
          name: fact.key,
          generation: '1772323204100000',
          ...(fact.size === undefined ? {} : { size: String(fact.size) }),
          updated: '2026-03-01T00:00:04.100Z',
        },
        // Eventarc ids are plain ASCII; a hash of the key keeps redeliveries on one id.
        `${fact.type}-${createHash('sha256').update(fact.key).digest('hex').slice(0, 16)}`,
      );
    const tick = (time: string, id: string) =>
      publishedEvent({
        projectId: emulator.projectId,
        topic: physical('tick'),
        messageId: id,
        data: Buffer.from('{"schedule":"0 2 * * *"}'),
        attributes: { 'cloudport-function': 'tick' },
        publishTime: time,
      });

    return {
      objectInput: (fact) => ({ fixtures: [objectFixture(fact)] }),
      messageInput: (queue, messages) => ({
        fixtures: messages.map((m) =>
          message(queue, m.messageId, m.body, {
            ...(m.attributes ? { attributes: m.attributes } : {}),
            ...(m.deliveryCount ? { deliveryAttempt: m.deliveryCount } : {}),
          }),
        ),
      }),
      scheduleInput: (time) => ({ fixtures: [tick(time, `tick-${time}`)] }),
      malformedInputs: (kind) => {
        const notCloudEvent: Fixture = {
          mode: 'json',
          contentType: 'application/json',
          body: { hello: 'world' },
        };
        if (kind === 'object') {
          const fact = { type: 'created', bucket: 'conf-in', key: 'in/x' } as const;
          const updated = storageEvent(
            'metadataUpdated',
            { bucket: physical('conf-in'), name: 'in/x', generation: '1' },
            'bad-1',
          );
          const elsewhere = objectFixture(fact);
          if (elsewhere.mode === 'binary')
            (elsewhere.body as { bucket: string }).bucket = 'elsewhere';
          return [
            { fixtures: [notCloudEvent] },
            { fixtures: [updated] },
            { fixtures: [elsewhere] },
          ];
        }
        if (kind === 'queue') {
          const notJson = publishedEvent({
            projectId: emulator.projectId,
            topic: physical('conf-jobs'),
            messageId: 'bad-json',
            data: Buffer.from('not json'),
          });
          const storage = objectFixture({ type: 'created', bucket: 'conf-in', key: 'in/y' });
          return [{ fixtures: [notCloudEvent] }, { fixtures: [notJson] }, { fixtures: [storage] }];
        }
        const wrongFunction = tick('2026-03-01T02:00:00.000Z', 'bad-tick');
        if (wrongFunction.mode === 'binary') {
          const body = wrongFunction.body as { message: { attributes: Record<string, string> } };
          body.message.attributes['cloudport-function'] = 'other';
        }
        return [{ fixtures: [notCloudEvent] }, { fixtures: [wrongFunction] }];
      },
      run: async (name, input) => {
        const url = served.get(name)?.url as string;
        const statuses: number[] = [];
        for (const fixture of input.fixtures) {
          const response = await postFixture(url, fixture);
          await response.arrayBuffer();
          statuses.push(response.status);
        }
        return statuses;
      },
      outcomes: (_input, output) =>
        (output as Output).map((status) =>
          status >= 200 && status < 300 ? 'acknowledged' : 'failed',
        ),
      http: async (name, request) => {
        const target = new URL(request.url);
        const base = served.get(name)?.url as string;
        const body = request.body ? new Uint8Array(await request.arrayBuffer()) : undefined;
        return fetch(`${base}${target.pathname}${target.search}`, {
          method: request.method,
          headers: request.headers,
          ...(body ? { body } : {}),
        });
      },
      deadLetters: async (queue) => {
        const reader = createPubSubPullQueue({
          queue: refOf(queue),
          subscription: `${physical(queue)}-read`,
          client: pubsub,
        });
        const records: DeadLetterRecord[] = [];
        for (;;) {
          const batch = await reader.receive({ maxMessages: 100, waitMs: 1000 });
          if (batch.length === 0) break;
          for (const received of batch) {
            records.push(received.body as DeadLetterRecord);
            await reader.complete(received);
          }
        }
        await reader.close();
        return records;
      },
      async exhaustObjectRetries(
        this: AdapterHarness<Input, Output>,
        name: string,
        fact: ObjectFact,
      ) {
        // Eventarc redelivers a failed event under the retry policy deploy sets, then its
        // Pub/Sub subscription's dead-letter topic takes it; three deliveries stand for that.
        const input = this.objectInput(fact);
        const outcomes: PlatformOutcome[] = [];
        for (let n = 0; n < 3; n++) {
          outcomes.push(...this.outcomes(input, await this.run(name, input)));
        }
        const deadLetters = (await this.deadLetters('conf-dead'))
          .filter((record) => (record.event as { key?: string } | undefined)?.key === fact.key)
          .map((record) => ({ key: fact.key, reason: record.reason }));
        return {
          outcomes,
          deadLetters,
          platform: "Eventarc retries, then the dead-letter topic of the trigger's subscription",
        };
      },
      close: async () => {
        for (const server of served.values()) await server.close();
      },
    };
  }

  adapterConformance(
    { describe, it },
    {
      name: 'GCP (functions-framework, Pub/Sub emulator, GCS test server)',
      capabilities: GCP_CAPABILITIES,
      createHarness: (pipeline) =>
        createHarness(pipeline) as Promise<AdapterHarness<unknown, unknown>>,
    },
  );
}
