import './helpers/functions-host.js';
import { randomUUID } from 'node:crypto';
import { ServiceBusClient } from '@azure/service-bus';
import { type DeadLetterRecord, type Pipeline, queue } from '@cloudport/core';
import {
  type AdapterHarness,
  adapterConformance,
  type ObjectFact,
  type PlatformOutcome,
} from '@cloudport/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  type ServiceBusBroker,
  startServiceBusBroker,
} from '../../../test/service-bus-broker/index.js';
import { AZURE_CAPABILITIES, createServiceBusQueue, registerFunctions } from '../src/index.js';
import { type HostInvocation, type HostResult, invokeFunction } from './helpers/functions-host.js';
import {
  blobEvent,
  eventGridInvocation,
  httpInvocation,
  serviceBusInvocation,
  timerInvocation,
  toWebResponse,
} from './helpers/host-data.js';

let broker: ServiceBusBroker;
let client: ServiceBusClient;

beforeAll(async () => {
  broker = await startServiceBusBroker();
  client = new ServiceBusClient(broker.connectionString);
});

afterAll(async () => {
  await client?.close();
  await broker?.close();
});

/**
 * Runs the conformance pipeline as the Functions host would: every input is a list of host
 * invocations (one per message, since the queue trigger takes one message at a time), run
 * through the library's own InvocationModel against the registered handlers. Dead letters
 * go to a Service Bus queue on the test broker.
 */
async function azureHarness(
  pipeline: Pipeline,
): Promise<AdapterHarness<HostInvocation[], HostResult[]>> {
  const run = randomUUID().slice(0, 8);
  const physical = (name: string) => `${name}-${run}`;
  const env: Record<string, string> = {
    CLOUDPORT_PIPELINE: pipeline.name,
    CLOUDPORT_SERVICEBUS: broker.connectionString,
    CLOUDPORT_BUCKET_CONF_IN: physical('conf-in'),
  };
  for (const name of ['conf-jobs', 'conf-text', 'conf-bytes', 'conf-dead']) {
    env[`CLOUDPORT_QUEUE_${name.toUpperCase().replaceAll('-', '_')}`] = physical(name);
  }
  const registered = registerFunctions(pipeline, { env });
  const kinds = pipeline.resources().queues;

  return {
    objectInput: (fact) => [
      eventGridInvocation(blobEvent({ ...fact, container: physical(fact.bucket) })),
    ],
    messageInput: (name, messages) =>
      messages.map((message) =>
        serviceBusInvocation({ ...message, kind: kinds.get(name)?.body ?? 'json' }),
      ),
    scheduleInput: (time) => [timerInvocation(time)],
    malformedInputs: (kind) => malformed(kind, physical('conf-in')),
    run: async (name, inputs) => {
      const results: HostResult[] = [];
      for (const input of inputs) results.push(await invokeFunction(name, input));
      return results;
    },
    outcomes: (inputs, output) =>
      output instanceof Error
        ? inputs.map(() => 'failed' as const)
        : output.map((result) => (result.ok ? 'acknowledged' : 'failed')),
    http: async (name, request) => {
      const result = await invokeFunction(name, await httpInvocation(request, name));
      return result.ok ? toWebResponse(result.returnValue) : new Response(null, { status: 500 });
    },
    deadLetters: async (name) => {
      const dead = createServiceBusQueue({
        queue: queue<DeadLetterRecord>(name),
        entity: physical(name),
        client,
      });
      const records: DeadLetterRecord[] = [];
      for (;;) {
        const received = await dead.receive({ maxMessages: 50, waitMs: 300 });
        if (received.length === 0) break;
        for (const message of received) {
          records.push(message.body);
          await dead.complete(message);
        }
      }
      await dead.close();
      return records;
    },
    async exhaustObjectRetries(
      this: AdapterHarness<HostInvocation[], HostResult[]>,
      name: string,
      fact: ObjectFact,
    ) {
      // Event Grid redelivers a failed event (30 attempts by default), then dead-letters it to
      // the storage container deploy configures; three deliveries stand for the attempts.
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
        platform: 'Event Grid dead-lettering after its delivery attempts',
      };
    },
    close: () => registered.close(),
  };
}

function malformed(kind: 'object' | 'queue' | 'schedule', container: string): HostInvocation[][] {
  if (kind === 'object') {
    const wrongSubject = {
      ...blobEvent({ type: 'created', container, key: 'in/x' }),
      subject: '/nope',
    };
    const wrongContainer = blobEvent({
      type: 'created',
      container: 'other-container',
      key: 'in/x',
    });
    return [
      [{ data: { json: '"not an event"' } }],
      [eventGridInvocation(wrongSubject)],
      [eventGridInvocation(wrongContainer)],
      [{ data: undefined }],
    ];
  }
  if (kind === 'queue') {
    const notJson = serviceBusInvocation({ messageId: 'bad-1', body: 'x', kind: 'text' });
    notJson.data = { bytes: Buffer.from('{not json') };
    const noId = serviceBusInvocation({ messageId: 'no-id', body: { action: 'ok' }, kind: 'json' });
    delete noId.triggerMetadata?.MessageId;
    return [[notJson], [noId]];
  }

  return [
    [{ data: { json: '"tick"' } }],
    [{ data: { json: '{"IsPastDue":"yes"}' } }],
    [{ data: undefined }],
  ];
}

describe('azure adapter', () => {
  adapterConformance(
    { describe, it },
    {
      name: 'azure functions through the v4 library',
      capabilities: AZURE_CAPABILITIES,
      createHarness: (pipeline) =>
        azureHarness(pipeline) as unknown as Promise<AdapterHarness<unknown, unknown>>,
    },
  );
});
