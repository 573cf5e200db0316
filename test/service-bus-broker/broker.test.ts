import {
  ServiceBusClient,
  type ServiceBusReceiver,
  type ServiceBusReceiverOptions,
} from '@azure/service-bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServiceBusBroker, startServiceBusBroker } from './index.js';

let broker: ServiceBusBroker;
let client: ServiceBusClient;
let count = 0;

beforeAll(async () => {
  broker = await startServiceBusBroker();
  client = new ServiceBusClient(broker.connectionString);
});

afterAll(async () => {
  await client?.close();
  await broker?.close();
});

function fresh(settings: Parameters<ServiceBusBroker['createQueue']>[1] = {}): string {
  count += 1;
  const name = `q${count}`;
  broker.createQueue(name, settings);
  return name;
}

async function withReceiver<T>(
  queue: string,
  run: (receiver: ServiceBusReceiver) => Promise<T>,
  options: ServiceBusReceiverOptions = {},
): Promise<T> {
  const receiver = client.createReceiver(queue, { maxAutoLockRenewalDurationInMs: 0, ...options });
  try {
    return await run(receiver);
  } finally {
    await receiver.close();
  }
}

describe('service bus test broker', () => {
  it('takes single and batched sends and delivers them in order with lock tokens', async () => {
    const queue = fresh();
    const sender = client.createSender(queue);
    await sender.sendMessages({ body: 'one', messageId: 'm-1' });
    const batch = await sender.createMessageBatch();
    for (const body of ['two', 'three']) expect(batch.tryAddMessage({ body })).toBe(true);
    await sender.sendMessages(batch);
    await sender.close();
    await withReceiver(queue, async (receiver) => {
      const messages = await receiver.receiveMessages(10, { maxWaitTimeInMs: 2000 });
      expect(messages.map((m) => m.body)).toEqual(['one', 'two', 'three']);
      expect(messages[0]?.messageId).toBe('m-1');
      expect(messages[1]?.messageId).toEqual(expect.any(String));
      expect(messages.every((m) => m.deliveryCount === 0 && m.lockToken)).toBe(true);
      expect(messages[0]?.enqueuedTimeUtc).toBeInstanceOf(Date);
      for (const message of messages) await receiver.completeMessage(message);
    });
    expect(broker.messages(queue)).toEqual([]);
  });

  it('redelivers an abandoned message with its count raised, then dead-letters it', async () => {
    const queue = fresh({ maxDeliveryCount: 2 });
    await client.createSender(queue).sendMessages({ body: { n: 1 } });
    await withReceiver(queue, async (receiver) => {
      for (const expected of [0, 1]) {
        const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
        expect(message?.deliveryCount).toBe(expected);
        if (message) await receiver.abandonMessage(message);
      }
      expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toEqual([]);
    });
    await withReceiver(
      queue,
      async (receiver) => {
        const [letter] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
        expect(letter?.deadLetterReason).toBe('MaxDeliveryCountExceeded');
        expect(letter?.body).toEqual({ n: 1 });
      },
      { subQueueType: 'deadLetter', receiveMode: 'receiveAndDelete' },
    );
  });

  it('moves a dead-lettered message to the subqueue with its reason', async () => {
    const queue = fresh();
    await client.createSender(queue).sendMessages({ body: 'bad' });
    await withReceiver(queue, async (receiver) => {
      const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
      if (message) {
        await receiver.deadLetterMessage(message, {
          deadLetterReason: 'row 7 has no id',
          deadLetterErrorDescription: 'details',
        });
      }
    });
    expect(broker.messages(`${queue}/$deadletterqueue`)[0]?.applicationProperties).toMatchObject({
      DeadLetterReason: 'row 7 has no id',
    });
  });

  it('expires a lock, redelivers, and refuses the stale settlement as lock lost', async () => {
    const queue = fresh({ lockDurationMs: 300 });
    await client.createSender(queue).sendMessages({ body: 'slow' });
    await withReceiver(queue, async (receiver) => {
      const [first] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
      await new Promise((done) => setTimeout(done, 500));
      const [second] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
      expect(second?.deliveryCount).toBe(1);
      if (!first || !second) throw new Error('no message');
      await expect(receiver.completeMessage(first)).rejects.toMatchObject({
        code: 'MessageLockLost',
      });
      await receiver.completeMessage(second);
    });
  });

  it('renews a lock through the management node', async () => {
    const queue = fresh({ lockDurationMs: 1500 });
    await client.createSender(queue).sendMessages({ body: 'held' });
    await withReceiver(queue, async (receiver) => {
      const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
      if (!message) throw new Error('no message');
      for (let round = 0; round < 3; round += 1) {
        await new Promise((done) => setTimeout(done, 600));
        const until = await receiver.renewMessageLock(message);
        expect(until.getTime()).toBeGreaterThan(Date.now());
      }
      await receiver.completeMessage(message);
    });
  });

  it('settles by lock token through the management node once the receiver is gone', async () => {
    const queue = fresh({ maxDeliveryCount: 5 });
    const sender = client.createSender(queue);
    for (const id of ['done', 'again', 'bad', 'later']) {
      await sender.sendMessages({ body: id, messageId: id });
    }
    await sender.close();
    const received = await withReceiver(queue, (receiver) =>
      receiver.receiveMessages(4, { maxWaitTimeInMs: 2000 }),
    );
    const [done, again, bad, later] = received;
    if (!done || !again || !bad || !later) throw new Error('missing messages');
    await withReceiver(queue, async (receiver) => {
      await receiver.completeMessage(done);
      await receiver.abandonMessage(again, { attempt: 'first' });
      await receiver.deadLetterMessage(bad, {
        deadLetterReason: 'Broken',
        deadLetterErrorDescription: 'no',
      });
      await receiver.deferMessage(later);
      await expect(receiver.completeMessage(done)).rejects.toMatchObject({
        code: 'MessageLockLost',
      });
    });
    expect(broker.messages(queue).map((m) => [m.messageId, m.deliveryCount, m.deferred])).toEqual([
      ['again', 1, false],
      ['later', 0, true],
    ]);
    expect(broker.messages(queue)[0]?.applicationProperties).toMatchObject({ attempt: 'first' });
    const [letter] = broker.messages(`${queue}/$deadletterqueue`);
    expect(letter?.applicationProperties).toMatchObject({
      DeadLetterReason: 'Broken',
      DeadLetterErrorDescription: 'no',
    });
  });

  it('answers a settlement by an expired lock token as lock lost', async () => {
    const queue = fresh({ lockDurationMs: 300 });
    await client.createSender(queue).sendMessages({ body: 'slow' });
    const [stale] = await withReceiver(queue, (receiver) =>
      receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 }),
    );
    if (!stale) throw new Error('no message');
    await new Promise((done) => setTimeout(done, 500));
    await withReceiver(queue, async (receiver) => {
      for (const settle of [
        () => receiver.completeMessage(stale),
        () => receiver.abandonMessage(stale),
        () => receiver.deadLetterMessage(stale),
      ]) {
        await expect(settle()).rejects.toMatchObject({ code: 'MessageLockLost' });
      }
      const [current] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
      expect(current?.deliveryCount).toBe(1);
      if (current) await receiver.completeMessage(current);
    });
  });

  it('holds scheduled messages, drops duplicates and refuses oversized ones', async () => {
    const queue = fresh({ maxMessageBytes: 1024 });
    const sender = client.createSender(queue);
    await sender.sendMessages({
      body: 'later',
      scheduledEnqueueTimeUtc: new Date(Date.now() + 600),
    });
    await sender.sendMessages({ body: 'first', messageId: 'dup' });
    await sender.sendMessages({ body: 'second', messageId: 'dup' });
    await expect(sender.sendMessages({ body: 'x'.repeat(2000) })).rejects.toMatchObject({
      code: 'MessageSizeExceeded',
    });
    await withReceiver(
      queue,
      async (receiver) => {
        const now = await receiver.receiveMessages(10, { maxWaitTimeInMs: 300 });
        expect(now.map((m) => m.body)).toEqual(['first']);
        await new Promise((done) => setTimeout(done, 500));
        const later = await receiver.receiveMessages(10, { maxWaitTimeInMs: 1000 });
        expect(later.map((m) => m.body)).toEqual(['later']);
      },
      { receiveMode: 'receiveAndDelete' },
    );
  });

  it('answers a drained receive promptly when fewer messages than asked are there', async () => {
    const queue = fresh();
    await client.createSender(queue).sendMessages({ body: 'only' });
    await withReceiver(queue, async (receiver) => {
      const started = Date.now();
      const messages = await receiver.receiveMessages(5, { maxWaitTimeInMs: 5000 });
      expect(messages).toHaveLength(1);
      expect(Date.now() - started).toBeLessThan(3000);
    });
  });
});
