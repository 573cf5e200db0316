import { ServiceBusClient, type ServiceBusSender } from '@azure/service-bus';
import { AZURE_LIMITS, queue } from '@cloudport/core';
import { queueConformance, type SentBatch } from '@cloudport/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ServiceBusBroker,
  startServiceBusBroker,
} from '../../../test/service-bus-broker/index.js';
import {
  AZURE_CAPABILITIES,
  createAzureResolver,
  createServiceBusQueue,
  readAzureSettings,
  type ServiceBusQueue,
} from '../src/index.js';
import { NAMES_PROPERTY, toOutgoing } from '../src/queue/service-bus-messages.js';

let broker: ServiceBusBroker;
let client: ServiceBusClient;
const KIB = 1024;
const MIB = 1024 * KIB;

/**
 * The largest body of a text message without attributes, ordering key or delay that fits a
 * 256 KiB entity once encoded: Service Bus counts the message's headers (its 36-character id
 * and content type) and, as the queue sends every message in an SDK batch, the batch envelope,
 * which repeats them. The conformance suite's limit cases run against this body size;
 * 'a text body of TEXT_BODY_BUDGET bytes is the largest a 256 KiB entity takes' derives it.
 */
const TEXT_BODY_BUDGET = 261_908;

beforeAll(async () => {
  broker = await startServiceBusBroker();
  client = new ServiceBusClient(broker.connectionString);
});

afterAll(async () => {
  await client?.close();
  await broker?.close();
});

type Sent = Parameters<ServiceBusSender['sendMessages']>[0];

/** A client whose senders show each send to `onSend` before it goes out. */
function watchedClient(onSend: (messages: Sent) => void): ServiceBusClient {
  return new Proxy(client, {
    get(target, property) {
      if (property !== 'createSender') return Reflect.get(target, property, target);
      return (entity: string) => {
        const sender: ServiceBusSender = target.createSender(entity);
        const send = sender.sendMessages.bind(sender);
        sender.sendMessages = (messages, options) => {
          onSend(messages);
          return send(messages, options);
        };
        return sender;
      };
    },
  });
}

/** A client whose senders record the number of messages in each batch they send. */
const recordingClient = (sends: number[]) =>
  watchedClient((messages) => sends.push('count' in messages ? messages.count : -1));

/** A client whose senders report each send as its entries and the bytes Service Bus counts. */
const countingClient = (calls: SentBatch[]) =>
  watchedClient((messages) => calls.push(sentOf(messages)));

/** The queue sends SDK batches only, each counted at its encoded size. */
function sentOf(sent: Sent): SentBatch {
  if (!('sizeInBytes' in sent)) throw new Error('the queue sent messages outside a batch');

  return { entries: sent.count, bytes: sent.sizeInBytes };
}

const sentBatches = new WeakMap<object, SentBatch[]>();

queueConformance(
  { describe, it },
  {
    name: 'azure service bus on the test broker',
    capabilities: AZURE_CAPABILITIES,
    limits: {
      ...AZURE_LIMITS,
      queue: { ...AZURE_LIMITS.queue, maxMessageBytes: TEXT_BODY_BUDGET },
    },
    create: (settings) => {
      broker.createQueue(settings.name, {
        lockDurationMs: settings.visibilityTimeoutSeconds * 1000,
        maxDeliveryCount: settings.maxAttempts,
      });
      const calls: SentBatch[] = [];
      const created = createServiceBusQueue({
        queue: queue(settings.name, { body: settings.body as 'json' }),
        client: countingClient(calls),
      });
      sentBatches.set(created, calls);
      return created;
    },
    sentBatches: (created) => sentBatches.get(created) ?? [],
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

  it('sends a 2 MiB message to a Premium entity that allows 4 MiB', async () => {
    broker.createQueue('premium-4mib', { maxMessageBytes: 4 * MIB });
    const big = createServiceBusQueue({
      queue: queue('premium-4mib', { body: 'text' }),
      client,
      maxMessageBytes: 4 * MIB,
    });
    const body = 'x'.repeat(2 * MIB);
    await big.send(body);
    const [message] = await big.receive({ waitMs: 2000 });
    expect(message?.body.length).toBe(2 * MIB);
    if (message) await big.complete(message);
    await big.close();
  });

  it('packs batches beyond 1 MiB, as large as the link allows', async () => {
    broker.createQueue('premium-batches', { maxMessageBytes: 4 * MIB });
    const sends: number[] = [];
    const rows = createServiceBusQueue({
      queue: queue('premium-batches', { body: 'text' }),
      client: recordingClient(sends),
    });
    const body = 'r'.repeat(700 * KIB);
    await rows.sendBatch([{ body }, { body }, { body }]);
    expect(sends).toEqual([3]);
    expect(broker.messages('premium-batches')).toHaveLength(3);
    await rows.close();
  });

  it('a text body of TEXT_BODY_BUDGET bytes is the largest a 256 KiB entity takes', async () => {
    broker.createQueue('budget');
    const sender = client.createSender('budget');
    const settings = { queue: 'budget', body: 'text' as const, maxMessageBytes: undefined };
    const fits = async (size: number) => {
      const batch = await sender.createMessageBatch();
      const { message } = toOutgoing(
        { ...settings, sessions: false },
        { body: 'x'.repeat(size) },
        'message',
      );
      return batch.tryAddMessage(message);
    };
    let low = 0;
    let high = AZURE_LIMITS.queue.maxMessageBytes;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (await fits(middle)) low = middle;
      else high = middle - 1;
    }
    await sender.close();
    expect(low).toBe(TEXT_BODY_BUDGET);
  });

  it('refuses a message within the limit by its body whose headers take it over', async () => {
    broker.createQueue('premium-headers', { maxMessageBytes: 4 * MIB });
    const sends: number[] = [];
    const blobs = createServiceBusQueue({
      queue: queue('premium-headers', { body: 'bytes' }),
      client: recordingClient(sends),
    });
    const small = new Uint8Array([1, 2, 3]);
    // Body and attributes are under 4 MiB; the encoded message is not.
    const large = new Uint8Array(4 * MIB - 200).fill(7);
    const error = await blobs
      .sendBatch([{ body: small }, { body: large }, { body: small }])
      .catch((failure: unknown) => failure);
    expect(error).toMatchObject({ code: 'MESSAGE_TOO_LARGE', size: 4 * MIB - 200, limit: 4 * MIB });
    expect((error as Error).message).toMatch(/entry 1 .* with its headers/);
    expect(sends).toEqual([]);
    expect(broker.transfers('premium-headers')).toBe(0);
    await blobs.sendBatch([{ body: small }, { body: new Uint8Array(4 * MIB - 1024) }]);
    expect(sends).toEqual([2]);
    await blobs.close();
  });

  it('takes the limit the link advertises when maxMessageBytes is not given', async () => {
    broker.createQueue('premium-link', { maxMessageBytes: 4 * MIB });
    const big = createServiceBusQueue({ queue: queue('premium-link', { body: 'text' }), client });
    await big.send('x'.repeat(2 * MIB));
    const error = await big
      .sendBatch([{ body: 'first' }, { body: 'y'.repeat(4 * MIB + 1) }])
      .catch((failure: unknown) => failure);
    expect(error).toMatchObject({
      code: 'MESSAGE_TOO_LARGE',
      size: 4 * MIB + 1,
      limit: 4 * MIB,
    });
    expect((error as Error).message).toMatch(/entry 1 .* 4194305 bytes, .* limit of 4194304 bytes/);
    // Checked before sending: only the first send arrived.
    expect(broker.transfers('premium-link')).toBe(1);
    await big.close();
  });

  it('holds a maxMessageBytes above the link to the link, before sending', async () => {
    broker.createQueue('premium-1mib', { maxMessageBytes: MIB });
    const big = createServiceBusQueue({
      queue: queue('premium-1mib', { body: 'text' }),
      client,
      maxMessageBytes: 4 * MIB,
    });
    await expect(big.send('x'.repeat(2 * MIB))).rejects.toMatchObject({
      code: 'MESSAGE_TOO_LARGE',
      limit: MIB,
    });
    expect(broker.transfers('premium-1mib')).toBe(0);
    await big.close();
  });

  it('needs an ordering key on a session-enabled queue, checked before sending', async () => {
    broker.createQueue('sessions');
    const orders = createServiceBusQueue({ queue: queue('sessions'), client, sessions: true });
    const error = await orders.send({ n: 1 }).catch((failure: unknown) => failure);
    expect(error).toMatchObject({ code: 'INVALID_CONFIG', provider: 'azure' });
    expect((error as Error).message).toMatch(/queue sessions: the message has no orderingKey/);
    await orders.send({ n: 2 }, { orderingKey: 'customer-7' });
    expect(broker.messages('sessions')).toHaveLength(1);
    await expect(orders.receive()).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    await orders.close();
  });

  it("passes a queue's sessions setting from the adapter's settings to its queue", async () => {
    broker.createQueue('prod-orders');
    const settings = readAzureSettings({
      env: { CLOUDPORT_QUEUE_ORDERS: 'prod-orders' },
      queues: { orders: { sessions: true } },
    });
    const resolver = createAzureResolver(settings, { serviceBus: client });
    const orders = resolver.queue(queue('orders'));
    await expect(orders.send({ n: 1 })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
    expect(broker.transfers('prod-orders')).toBe(0);
    await resolver.close();
  });

  it('carries an ordering key as the session id on a queue without sessions', async () => {
    broker.createQueue('no-sessions');
    const jobs = createServiceBusQueue({ queue: queue('no-sessions'), client });
    await jobs.send({ n: 1 }, { orderingKey: 'k-1' });
    const [message] = await jobs.receive({ waitMs: 2000 });
    expect(message?.orderingKey).toBe('k-1');
    if (message) await jobs.complete(message);
    await jobs.close();
  });

  it('lists the attribute names Azure Functions recases in one reserved property', async () => {
    broker.createQueue('names');
    const jobs = createServiceBusQueue({ queue: queue('names'), client });
    const attributes = { Region: 'EU-West', tenant: 'north', 'X-Trace': 'Abc' };
    await jobs.send({ n: 1 }, { attributes });
    const [stored] = broker.messages('names');
    expect(stored?.applicationProperties).toEqual({
      ...attributes,
      [NAMES_PROPERTY]: '["Region","X-Trace"]',
    });
    const [message] = await jobs.receive({ waitMs: 2000 });
    expect(message?.attributes).toEqual(attributes);
    if (message) await jobs.complete(message);
    await jobs.send({ n: 2 }, { attributes: { tenant: 'south' } });
    expect(broker.messages('names')[0]?.applicationProperties).toEqual({ tenant: 'south' });
    await jobs.close();
  });

  it('refuses attributes that Azure Functions would merge or that cloudport reserves', async () => {
    const jobs = createServiceBusQueue({ queue: queue('names-refused'), client });
    await expect(
      jobs.send({ n: 1 }, { attributes: { Region: 'a', region: 'b' } }),
    ).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
    await expect(
      jobs.send({ n: 1 }, { attributes: { [NAMES_PROPERTY]: '[]' } }),
    ).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
    expect(broker.transfers('names-refused')).toBe(0);
    await jobs.close();
  });
});
