import { ServiceBusClient } from '@azure/service-bus';
import { AZURE_LIMITS, queue } from '@cloudport/core';
import { queueConformance } from '@cloudport/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ServiceBusBroker,
  startServiceBusBroker,
} from '../../../test/service-bus-broker/index.js';
import { AZURE_CAPABILITIES, createServiceBusQueue, type ServiceBusQueue } from '../src/index.js';

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

// The suite holds every entry of its batch test unsettled until all have arrived. With
// Service Bus's 4,500-entry limit that is 4,505 peek-locked deliveries: more than the SDK's
// 2,048-delivery session window, and longer than the suite's 1-second lock. The suite runs with
// a 100-entry limit instead (sizes and everything else as Azure's); the test below sends 4,505
// entries through the real split and settles them as they arrive.
const SUITE_LIMITS = { ...AZURE_LIMITS, queue: { ...AZURE_LIMITS.queue, maxBatchEntries: 100 } };

queueConformance(
  { describe, it },
  {
    name: 'azure service bus on the test broker',
    capabilities: AZURE_CAPABILITIES,
    limits: SUITE_LIMITS,
    create: (settings) => {
      broker.createQueue(settings.name, {
        lockDurationMs: settings.visibilityTimeoutSeconds * 1000,
        maxDeliveryCount: settings.maxAttempts,
      });
      return createServiceBusQueue({
        queue: queue(settings.name, { body: settings.body as 'json' }),
        client,
      });
    },
    cleanup: (created) => (created as ServiceBusQueue).close(),
    deadLetters: (created) => (created as ServiceBusQueue).receiveDeadLetters({ waitMs: 500 }),
  },
);

describe('azure service bus queue', () => {
  it('splits a batch beyond 4,500 entries and delivers every entry once', async () => {
    // A Premium-sized entity, so that the 1 MiB batch bytes do not split first.
    const mib = 1024 * 1024;
    broker.createQueue('many-entries', { lockDurationMs: 60_000, maxMessageBytes: mib });
    const numbers = createServiceBusQueue({
      queue: queue<number>('many-entries'),
      client,
      maxMessageBytes: mib,
    });
    const size = AZURE_LIMITS.queue.maxBatchEntries + 5;
    const results = await numbers.sendBatch(Array.from({ length: size }, (_, n) => ({ body: n })));
    expect(new Set(results.map((r) => r.messageId)).size).toBe(size);
    expect(broker.transfers('many-entries')).toBe(2);
    const seen = new Set<number>();
    while (seen.size < size) {
      const received = await numbers.receive({ maxMessages: 100, waitMs: 2000 });
      expect(received.length).toBeGreaterThan(0);
      for (const message of received) {
        expect(seen.has(message.body)).toBe(false);
        seen.add(message.body);
        await numbers.complete(message);
      }
    }
    await numbers.close();
  }, 120_000);

  it('sends bodies as raw bytes with the kind as content type', async () => {
    broker.createQueue('raw-json');
    const rows = createServiceBusQueue({ queue: queue<number>('raw-json'), client });
    await rows.send(42, { attributes: { tenant: 'a' } });
    const [stored] = broker.messages('raw-json');
    const body = stored?.body as { typecode: number; content: Buffer };
    expect(body.typecode).toBe(0x75);
    expect(body.content.toString()).toBe('42');
    await rows.close();
  });

  it('creates its own client from a connection string and closes it', async () => {
    broker.createQueue('own-client');
    const texts = createServiceBusQueue({
      queue: queue('own-client', { body: 'text' }),
      connectionString: broker.connectionString,
    });
    await texts.send('hello');
    const [message] = await texts.receive({ waitMs: 2000 });
    expect(message?.body).toBe('hello');
    if (message) await texts.complete(message);
    await texts.close();
  });

  it('enforces a Premium entity limit given as maxMessageBytes', async () => {
    broker.createQueue('premium', { maxMessageBytes: 2 * 1024 * 1024 });
    const big = createServiceBusQueue({
      queue: queue('premium', { body: 'text' }),
      client,
      maxMessageBytes: 1024 * 1024,
    });
    await big.send('x'.repeat(700 * 1024));
    await expect(big.send('x'.repeat(1024 * 1024 + 1))).rejects.toMatchObject({
      code: 'MESSAGE_TOO_LARGE',
    });
    await big.close();
  });

  it('refuses to settle a receipt it does not hold with PRECONDITION_FAILED', async () => {
    broker.createQueue('receipts');
    const jobs = createServiceBusQueue({ queue: queue('receipts'), client });
    await jobs.send({ n: 1 });
    const [message] = await jobs.receive({ waitMs: 2000 });
    if (!message) throw new Error('no message');
    await jobs.complete(message);
    await expect(jobs.complete(message)).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    await jobs.close();
  });

  it('sets aside a message whose body does not decode, with the reason', async () => {
    broker.createQueue('undecodable');
    const sender = client.createSender('undecodable');
    await sender.sendMessages({ body: Buffer.from('{not json') });
    await sender.close();
    const jobs = createServiceBusQueue({ queue: queue('undecodable'), client });
    expect(await jobs.receive({ waitMs: 1000 })).toEqual([]);
    const [letter] = await jobs.receiveDeadLetters({ waitMs: 1000 });
    expect(letter?.reason).toMatch(/not valid JSON/);
    await jobs.close();
  });
});
