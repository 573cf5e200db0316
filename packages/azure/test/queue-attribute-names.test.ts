import './helpers/functions-host.js';
import { ServiceBusClient } from '@azure/service-bus';
import { definePipeline, type MessageEvent, onMessage, queue } from '@cloudport/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ServiceBusBroker,
  startServiceBusBroker,
} from '../../../test/service-bus-broker/index.js';
import {
  createServiceBusQueue,
  type RegisteredFunctions,
  registerFunctions,
} from '../src/index.js';
import { invokeFunction, metadataOf } from './helpers/functions-host.js';
import { hostInvocation } from './helpers/service-bus-host.js';

// Attributes sent through cloudport's Service Bus queue, received by the real SDK and handed to
// the trigger the way the host does, through the v4 library's own metadata conversion (which
// lower-cases the first letter of every property name).
const tagged = queue<{ n: number }>('tagged');
const seen: MessageEvent<{ n: number }>[] = [];
const pipeline = definePipeline('attribute-names', {
  'take-one': { trigger: onMessage(tagged), handler: (message) => void seen.push(message) },
  'take-many': { trigger: onMessage(tagged), handler: (message) => void seen.push(message) },
});
const attributes = { Region: 'EU-West', tenant: 'North', 'X-Trace-Id': 'Abc-1', Ünit: 'kg' };

let broker: ServiceBusBroker;
let client: ServiceBusClient;
let registered: RegisteredFunctions;

beforeAll(async () => {
  broker = await startServiceBusBroker();
  client = new ServiceBusClient(broker.connectionString);
  registered = registerFunctions(pipeline, {
    env: { CLOUDPORT_SERVICEBUS: broker.connectionString, CLOUDPORT_QUEUE_TAGGED: 'tagged' },
    functions: { 'take-many': { cardinality: 'many' } },
  });
});

afterAll(async () => {
  await registered?.close();
  await client?.close();
  await broker?.close();
});

async function sendAndReceive(count: number) {
  const sender = createServiceBusQueue({ queue: tagged, client });
  await sender.sendBatch(Array.from({ length: count }, (_, n) => ({ body: { n }, attributes })));
  await sender.close();
  const receiver = client.createReceiver('tagged', { skipParsingBodyAsJson: true });
  const messages = await receiver.receiveMessages(count, { maxWaitTimeInMs: 2000 });
  for (const message of messages) await receiver.completeMessage(message);
  await receiver.close();
  expect(messages).toHaveLength(count);

  return messages;
}

describe('attribute names through the Service Bus trigger', () => {
  it('arrive as sent, upper-case first letters included, one message per invocation', async () => {
    seen.length = 0;
    const [message] = await sendAndReceive(1);
    if (!message) throw new Error('no message');
    const result = await invokeFunction('take-one', hostInvocation(message));
    expect(result.ok).toBe(true);
    expect(seen[0]?.attributes).toEqual(attributes);
  });

  it("arrive as sent in a batch of cardinality 'many'", async () => {
    seen.length = 0;
    const messages = await sendAndReceive(2);
    const result = await invokeFunction('take-many', {
      data: { collectionBytes: { bytes: messages.map((m) => m.body as Buffer) } },
      triggerMetadata: metadataOf({
        MessageIdArray: messages.map((m) => String(m.messageId)),
        DeliveryCountArray: messages.map(() => 1),
        EnqueuedTimeUtcArray: messages.map((m) => m.enqueuedTimeUtc?.toISOString()),
        ApplicationPropertiesArray: messages.map((m) => m.applicationProperties ?? {}),
        UserPropertiesArray: messages.map((m) => m.applicationProperties ?? {}),
      }),
    });
    expect(result.ok).toBe(true);
    expect(seen.map((m) => [m.body.n, m.attributes])).toEqual([
      [0, attributes],
      [1, attributes],
    ]);
  });
});
