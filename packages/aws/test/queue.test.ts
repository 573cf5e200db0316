import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchResult,
  SendMessageCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import {
  AWS_CAPABILITIES,
  createSqsQueue,
  DEAD_LETTER_ATTRIBUTE,
  SqsBatchSendError,
} from '@cloudport/aws';
import {
  AWS_LIMITS,
  type BodyKind,
  type CapabilityDeclaration,
  type ConsumableQueue,
  queue,
} from '@cloudport/core';
import { queueConformance, type SentBatch } from '@cloudport/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqsClientFor } from './support/clients.js';
import { readDeadLetters } from './support/dead-letters.js';
import { motoStatus, startFauxqsInProcess, startMoto, type TestServer } from './support/servers.js';

/** The limits the SQS queue enforces: one of the 10 attribute slots carries dead-letter reasons. */
const SQS_LIMITS = { ...AWS_LIMITS, queue: { ...AWS_LIMITS.queue, maxAttributes: 9 } };

/** A client that records each send to `url` as the entries and bytes SQS counts. */
function countingSends(client: SQSClient, url: string, calls: SentBatch[]): SQSClient {
  type Entry = { MessageBody?: string; MessageAttributes?: Record<string, MessageAttributeValue> };
  const bytesOf = (entry: Entry) =>
    Buffer.byteLength(entry.MessageBody ?? '') +
    Object.entries(entry.MessageAttributes ?? {}).reduce(
      (sum, [name, value]) =>
        sum +
        Buffer.byteLength(name) +
        (value.DataType ?? '').length +
        Buffer.byteLength(value.StringValue ?? ''),
      0,
    );
  const send = (
    command: { input: Entry & { QueueUrl?: string; Entries?: Entry[] } },
    options?: object,
  ) => {
    const { input } = command;
    if (input.QueueUrl === url && (input.Entries || input.MessageBody !== undefined)) {
      const entries = input.Entries ?? [input];
      calls.push({
        entries: entries.length,
        bytes: entries.reduce((sum, e) => sum + bytesOf(e), 0),
      });
    }
    return (client.send as (c: object, o?: object) => Promise<unknown>)(command, options);
  };

  return { send } as unknown as SQSClient;
}

/** The AWS declaration narrowed to one queue type: partial features become yes or no. */
function forQueueType(fifo: boolean): CapabilityDeclaration {
  const only = (note: string) => ({ support: 'no' as const, note });
  const features = { ...AWS_CAPABILITIES.features };
  if (fifo) {
    features['queue.delay'] = only('FIFO queues take no per-message delay');
  } else {
    features['queue.ordering-key'] = only('standard queues have no ordering');
    features['queue.deduplication'] = only('standard queues do not deduplicate');
  }

  return { ...AWS_CAPABILITIES, title: fifo ? 'SQS FIFO' : 'SQS standard', features };
}

interface ServerCase {
  name: string;
  start(): Promise<TestServer>;
  /** Suite cases the server cannot pass, by title, with the reason; they are skipped there. */
  gaps: Record<string, string>;
}

const servers: ServerCase[] = [
  { name: 'moto', start: startMoto, gaps: {} },
  {
    name: 'fauxqs',
    start: startFauxqsInProcess,
    gaps: {
      // SQS accepts #x10000-#x10FFFF; fauxqs's check stops at #xFFFD.
      'a text body round trips unicode unchanged':
        'fauxqs 1.9.2 refuses characters above U+FFFF (emoji), which SQS accepts',
    },
  },
];

for (const server of servers) {
  const status = server.name === 'moto' ? motoStatus() : { available: true as const };
  if (!status.available) {
    if (process.env.CI === 'true') {
      it(`${server.name} is installed (required on CI)`, () => {
        throw new Error(status.reason);
      });
    } else {
      console.warn(`Skipping the SQS queue suite on ${server.name}: ${status.reason}.`);
      describe.skip(`SQS queue on ${server.name}`, () => it('needs moto_server', () => {}));
    }
    continue;
  }

  describe(`SQS queue on ${server.name}`, () => {
    let running: TestServer | undefined;
    let client: SQSClient;
    const deadLetterUrls = new Map<ConsumableQueue<unknown>, { url: string; body: BodyKind }>();
    const sentBatches = new Map<ConsumableQueue<unknown>, SentBatch[]>();

    beforeAll(async () => {
      running = await server.start();
      client = sqsClientFor(running.endpoint);
    });
    afterAll(async () => {
      client?.destroy();
      await running?.stop();
    });

    const runner = {
      describe,
      it: (name: string, fn: () => unknown, timeout?: number) => {
        const gap = server.gaps[name];
        if (gap === undefined) it(name, fn, timeout);
        else it.skip(`${name} (skipped: ${gap})`, fn);
      },
    };
    for (const fifo of [false, true]) {
      queueConformance(runner, {
        name: `${fifo ? 'FIFO' : 'standard'} SQS on ${server.name}`,
        capabilities: forQueueType(fifo),
        limits: SQS_LIMITS,
        create: async (settings) => {
          const suffix = fifo ? '.fifo' : '';
          const fifoAttributes = fifo ? { FifoQueue: 'true' } : {};
          const dlq = await client.send(
            new CreateQueueCommand({
              QueueName: `${settings.name}-dlq${suffix}`,
              Attributes: fifoAttributes,
            }),
          );
          const dlqArn = await arnOf(client, dlq.QueueUrl ?? '');
          const created = await client.send(
            new CreateQueueCommand({
              QueueName: `${settings.name}${suffix}`,
              Attributes: {
                ...fifoAttributes,
                MaximumMessageSize: String(AWS_LIMITS.queue.maxMessageBytes),
                VisibilityTimeout: String(settings.visibilityTimeoutSeconds),
                RedrivePolicy: JSON.stringify({
                  deadLetterTargetArn: dlqArn,
                  maxReceiveCount: settings.maxAttempts,
                }),
              },
            }),
          );
          const ref = queue(settings.name, { body: settings.body as 'json' });
          const url = created.QueueUrl ?? '';
          const calls: SentBatch[] = [];
          const counting = countingSends(client, url, calls);
          const sqs = createSqsQueue({ queue: ref, url, client: counting });
          deadLetterUrls.set(sqs, { url: dlq.QueueUrl ?? '', body: settings.body });
          sentBatches.set(sqs, calls);
          return sqs;
        },
        sentBatches: (sqs) => sentBatches.get(sqs) ?? [],
        deadLetters: async (sqs) => {
          const dlq = deadLetterUrls.get(sqs);
          return dlq ? readDeadLetters(client, dlq.url, dlq.body) : [];
        },
      });
    }

    if (server.name === 'moto') defineMotoCases(() => client);
  });
}

/** A client that records the name of every command sent through it. */
function recording(client: SQSClient): { client: SQSClient; sent: string[] } {
  const sent: string[] = [];
  const wrapper = {
    send: (command: object, options?: object) => {
      sent.push(command.constructor.name);
      return (client.send as (c: object, o?: object) => Promise<unknown>)(command, options);
    },
  } as unknown as SQSClient;

  return { client: wrapper, sent };
}

let queueCount = 0;

/** SQS behaviour the shared suite does not reach, held to account against moto. */
function defineMotoCases(clientOf: () => SQSClient): void {
  const createQueue = async (attributes: Record<string, string> = {}) => {
    queueCount += 1;
    const output = await clientOf().send(
      new CreateQueueCommand({
        // SQS names a FIFO queue with a .fifo suffix.
        QueueName: `moto-case-${queueCount}${attributes.FifoQueue === 'true' ? '.fifo' : ''}`,
        Attributes: attributes,
      }),
    );
    return output.QueueUrl ?? '';
  };
  const depth = async (url: string) => {
    const output = await clientOf().send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    const { ApproximateNumberOfMessages: ready, ApproximateNumberOfMessagesNotVisible: out } =
      output.Attributes ?? {};
    return Number(ready) + Number(out);
  };
  const open = (url: string, extra: { deadLetterUrl?: string } = {}) => {
    const { client, sent } = recording(clientOf());
    const rows = createSqsQueue({ queue: queue('rows', { body: 'text' }), url, client, ...extra });
    return { rows, sent };
  };

  describe('a batch that SQS takes in part', () => {
    const twelve = Array.from({ length: 12 }, (_, n) => ({ body: `row ${n}` }));
    const seven = twelve.slice(0, 7);
    const fifoQueue = () => createQueue({ FifoQueue: 'true', ContentBasedDeduplication: 'true' });

    it('sends again the entries SQS refused through its own fault, and only those', async () => {
      const url = await createQueue();
      const { client, calls } = refusing(
        clientOf(),
        (call, id) => call === 1 && ['2', '5'].includes(id),
      );
      const rows = createSqsQueue({ queue: queue('rows', { body: 'text' }), url, client });

      const results = await rows.sendBatch(seven);

      expect(calls).toEqual([7, 2]);
      expect(results.every((result) => result.messageId.length > 0)).toBe(true);
      expect(new Set(results.map((result) => result.messageId)).size).toBe(7);
      expect(await bodiesIn(clientOf(), url)).toEqual(seven.map((entry) => entry.body).sort());
    });

    it('names what was sent, refused and never tried when SQS blames the sender', async () => {
      const url = await createQueue();
      const { client, calls } = refusing(clientOf(), (_call, id) => id === '1', true);
      const rows = createSqsQueue({ queue: queue('rows', { body: 'text' }), url, client });

      const error = await rows.sendBatch(twelve).catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(SqsBatchSendError);
      const partial = error as SqsBatchSendError;
      expect(partial.code).toBe('PROVIDER_ERROR');
      expect(partial.refused).toMatchObject([
        { index: 1, senderFault: true, code: 'InvalidParameterValue' },
      ]);
      expect(partial.sent.map((entry) => entry.index)).toEqual([0, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(partial.unsent).toEqual([10, 11]);
      expect(calls).toEqual([10]);
      const sentBodies = partial.sent.map((entry) => twelve[entry.index]?.body).sort();
      expect(await bodiesIn(clientOf(), url)).toEqual(sentBodies);
    });

    it('gives up on a fault that lasts after three calls and reports it', async () => {
      const url = await createQueue();
      const { client, calls } = refusing(clientOf(), (_call, id) => id === '0');
      const rows = createSqsQueue({ queue: queue('rows', { body: 'text' }), url, client });

      const error = await rows.sendBatch(seven.slice(0, 3)).catch((caught: unknown) => caught);

      expect(calls).toEqual([3, 1, 1]);
      expect(error).toMatchObject({
        refused: [{ index: 0, senderFault: false }],
        sent: [{ index: 1 }, { index: 2 }],
        unsent: [],
      });
    });

    it('does not resend a FIFO entry, which would go behind later ones of its group', async () => {
      const url = await fifoQueue();
      const { client, calls } = refusing(clientOf(), (call, id) => call === 1 && id === '1');
      const rows = createSqsQueue({ queue: queue('rows', { body: 'text' }), url, client });
      const group = seven.slice(0, 3).map((entry) => ({ ...entry, orderingKey: 'g' }));

      const error = await rows.sendBatch(group).catch((caught: unknown) => caught);

      expect(calls).toEqual([3]);
      expect(error).toMatchObject({ refused: [{ index: 1, senderFault: false }], unsent: [] });
    });
  });

  describe('message size against the queue', () => {
    it('a 262,144-byte queue refuses a 300 KB message before sending it', async () => {
      const url = await createQueue({ MaximumMessageSize: '262144' });
      const { rows, sent } = open(url);

      const error = await rows.send('x'.repeat(300_000)).catch((e: unknown) => e);
      const batch = await rows
        .sendBatch([{ body: 'ok' }, { body: 'y'.repeat(300_000) }])
        .catch((e: unknown) => e);

      expect(error).toMatchObject({ code: 'MESSAGE_TOO_LARGE', size: 300_000, limit: 262_144 });
      expect((error as Error).message).toContain('262144');
      expect(batch).toMatchObject({ code: 'MESSAGE_TOO_LARGE', limit: 262_144 });
      expect(sent).toEqual(['GetQueueAttributesCommand']);
      expect(await depth(url)).toBe(0);
    });

    it("a limit lowered after the first read is reported as the queue's, enforced", async () => {
      const url = await createQueue();
      const { rows, sent } = open(url);
      await rows.send('a'.repeat(2000));
      await clientOf().send(
        new SetQueueAttributesCommand({
          QueueUrl: url,
          Attributes: { MaximumMessageSize: '1024' },
        }),
      );

      const refused = await rows.send('b'.repeat(2000)).catch((e: unknown) => e);
      expect(refused).toMatchObject({ code: 'MESSAGE_TOO_LARGE', size: 2000, limit: 1024 });
      expect(sent.filter((name) => name === 'SendMessageCommand')).toHaveLength(2);

      const checked = await rows.send('c'.repeat(2000)).catch((e: unknown) => e);
      expect(checked).toMatchObject({ code: 'MESSAGE_TOO_LARGE', size: 2000, limit: 1024 });
      expect(sent.slice(-2)).toEqual(['SendMessageCommand', 'GetQueueAttributesCommand']);
      expect(await depth(url)).toBe(1);
    });
  });

  describe('attribute rules', () => {
    const nine = Object.fromEntries(Array.from({ length: 9 }, (_, n) => [`attr-${n}`, `v${n}`]));

    it('nine attributes travel; a tenth is refused, the last slot being reserved', async () => {
      const url = await createQueue();
      const { rows, sent } = open(url);
      await rows.send('nine', { attributes: nine });
      const [received] = await rows.receive({ waitMs: 2000 });
      expect(received?.attributes).toEqual(nine);

      const error = await rows
        .send('ten', { attributes: { ...nine, 'attr-9': 'v9' } })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: 'MESSAGE_TOO_LARGE',
        provider: 'aws',
        size: 10,
        limit: 9,
      });
      expect((error as Error).message).toMatch(/has 10 attributes; a send takes at most 9/);
      expect((error as Error).message).toContain(DEAD_LETTER_ATTRIBUTE);
      expect(sent.filter((name) => name === 'SendMessageCommand')).toHaveLength(1);
    });

    it('names outside the SQS rules, or in the reserved prefix, are refused unsent', async () => {
      const url = await createQueue();
      const { rows, sent } = open(url);
      const refused = [
        'cloudport.trace',
        '.leading',
        'trailing.',
        'double..period',
        'AWS.custom',
        'amazon.custom',
        'with space',
        'ümlaut',
        'n'.repeat(257),
        '',
      ];
      for (const name of refused) {
        const error = await rows.send('x', { attributes: { [name]: 'v' } }).catch((e) => e);
        expect(error, name).toMatchObject({ code: 'INVALID_MESSAGE' });
        expect((error as Error).message, name).toContain(JSON.stringify(name));
      }
      expect(sent).toEqual(['GetQueueAttributesCommand']);
    });

    it('names at the edges of the SQS rules are accepted and round-trip', async () => {
      const url = await createQueue();
      const { rows } = open(url);
      const attributes = { ['n'.repeat(256)]: 'long', 'a.b-c_D9': 'mixed', '9lives': 'digit' };
      await rows.send('edges', { attributes });
      const [received] = await rows.receive({ waitMs: 2000 });
      expect(received?.attributes).toEqual(attributes);
    });
  });

  describe('dead-lettering a message that already has ten attributes', () => {
    const ten: Record<string, MessageAttributeValue> = {
      ...Object.fromEntries(
        Array.from({ length: 7 }, (_, n) => [
          `s${n}`,
          { DataType: 'String', StringValue: `v${n}` },
        ]),
      ),
      count: { DataType: 'Number', StringValue: '42' },
      price: { DataType: 'Number.decimal', StringValue: '9.50' },
      blob: { DataType: 'Binary', BinaryValue: Buffer.from([0, 1, 254, 255]) },
    };

    it('forwards body and attributes, with the reason, and removes it from the queue', async () => {
      const dlqUrl = await createQueue();
      const url = await createQueue();
      // Another producer sends with all ten SQS attribute slots taken.
      await clientOf().send(
        new SendMessageCommand({ QueueUrl: url, MessageBody: 'row 7', MessageAttributes: ten }),
      );
      const { rows } = open(url, { deadLetterUrl: dlqUrl });
      const [message] = await rows.receive({ waitMs: 2000 });
      expect(Object.keys(message?.attributes ?? {})).toHaveLength(10);

      await rows.deadLetter(message!, 'row 7 has no total');

      expect(await depth(url)).toBe(0);
      const raw = await clientOf().send(
        new ReceiveMessageCommand({
          QueueUrl: dlqUrl,
          MessageAttributeNames: ['All'],
          WaitTimeSeconds: 1,
          VisibilityTimeout: 0,
        }),
      );
      const forwarded = raw.Messages?.[0];
      expect(forwarded?.Body).toBe('row 7');
      expect(Object.keys(forwarded?.MessageAttributes ?? {})).toEqual([DEAD_LETTER_ATTRIBUTE]);
      const note = JSON.parse(
        forwarded?.MessageAttributes?.[DEAD_LETTER_ATTRIBUTE]?.StringValue ?? '',
      );
      expect(note).toMatchObject({ reason: 'row 7 has no total', messageId: message?.messageId });

      // A consumer of the dead-letter queue sees the attributes the message was sent with.
      const dead = createSqsQueue({
        queue: queue('dead', { body: 'text' }),
        url: dlqUrl,
        client: clientOf(),
      });
      const [letter] = await dead.receive({ waitMs: 2000 });
      expect(letter?.body).toBe('row 7');
      expect(letter?.attributes).toEqual(message?.attributes);
      expect(letter?.attributes.blob).toBe(Buffer.from([0, 1, 254, 255]).toString('base64'));
    });

    it('forwards to a FIFO dead-letter queue with the group and deduplication ids', async () => {
      const dlqUrl = await createQueue({ FifoQueue: 'true' });
      const url = await createQueue();
      const { rows } = open(url, { deadLetterUrl: dlqUrl });
      await rows.send('row 9');
      const [message] = await rows.receive({ waitMs: 2000 });

      await rows.deadLetter(message!, 'row 9 is late');

      expect(await depth(url)).toBe(0);
      const raw = await clientOf().send(
        new ReceiveMessageCommand({
          QueueUrl: dlqUrl,
          MessageSystemAttributeNames: ['MessageGroupId', 'MessageDeduplicationId'],
          WaitTimeSeconds: 1,
        }),
      );
      const forwarded = raw.Messages?.[0];
      expect(forwarded?.Body).toBe('row 9');
      expect(forwarded?.Attributes?.MessageGroupId).toBe(message?.messageId);
      expect(forwarded?.Attributes?.MessageDeduplicationId).toBe(message?.messageId);
    });

    it('keeps the attributes of a message with room beside the reason as they were', async () => {
      const dlqUrl = await createQueue();
      const url = await createQueue();
      const { rows } = open(url, { deadLetterUrl: dlqUrl });
      await rows.send('row 8', { attributes: { file: 'orders.csv', line: '8' } });
      const [message] = await rows.receive({ waitMs: 2000 });

      await rows.deadLetter(message!, 'bad line');

      const raw = await clientOf().send(
        new ReceiveMessageCommand({
          QueueUrl: dlqUrl,
          MessageAttributeNames: ['All'],
          WaitTimeSeconds: 1,
        }),
      );
      const attributes = raw.Messages?.[0]?.MessageAttributes ?? {};
      expect(Object.keys(attributes).sort()).toEqual([DEAD_LETTER_ATTRIBUTE, 'file', 'line']);
      expect(attributes.file).toMatchObject({ DataType: 'String', StringValue: 'orders.csv' });
    });

    it('a message too large for the dead-letter queue stays, with MESSAGE_TOO_LARGE', async () => {
      const dlqUrl = await createQueue({ MaximumMessageSize: '1024' });
      const url = await createQueue();
      const { rows, sent } = open(url, { deadLetterUrl: dlqUrl });
      await rows.send('z'.repeat(2000));
      const [message] = await rows.receive({ waitMs: 2000, visibilityTimeoutSeconds: 30 });

      const error = await rows.deadLetter(message!, 'too big').catch((e: unknown) => e);

      expect(error).toMatchObject({ code: 'MESSAGE_TOO_LARGE', limit: 1024 });
      expect(sent.filter((name) => name === 'SendMessageCommand')).toHaveLength(1);
      expect(sent).not.toContain('DeleteMessageCommand');
      expect(await depth(url)).toBe(1);
      expect(await depth(dlqUrl)).toBe(0);
    });
  });
}

async function arnOf(client: SQSClient, url: string): Promise<string> {
  const output = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );

  return output.Attributes?.QueueArn ?? '';
}

/**
 * A client whose SendMessageBatch calls leave out the entries `refuse` picks (by call number,
 * from 1, and entry id) and report them as SQS reports refused entries; the rest go to the
 * server. `calls` holds the number of entries of each call.
 */
function refusing(
  client: SQSClient,
  refuse: (call: number, id: string) => boolean,
  senderFault = false,
): { client: SQSClient; calls: number[] } {
  const calls: number[] = [];
  const send = async (command: object, options?: object) => {
    const real = client.send as (c: object, o?: object) => Promise<unknown>;
    if (!(command instanceof SendMessageBatchCommand)) return real.call(client, command, options);
    const entries = command.input.Entries ?? [];
    calls.push(entries.length);
    const refused = entries.filter((entry) => refuse(calls.length, entry.Id ?? ''));
    const kept = entries.filter((entry) => !refused.includes(entry));
    const output = (
      kept.length > 0
        ? await real.call(client, new SendMessageBatchCommand({ ...command.input, Entries: kept }))
        : { Successful: [] }
    ) as SendMessageBatchResult;
    const failed = refused.map((entry) => ({
      Id: entry.Id,
      SenderFault: senderFault,
      Code: senderFault ? 'InvalidParameterValue' : 'InternalError',
      Message: senderFault ? 'The entry was refused.' : 'Try again.',
    }));

    return { ...output, Failed: [...(output.Failed ?? []), ...failed] };
  };

  return { client: { send } as unknown as SQSClient, calls };
}

/** The bodies of every message waiting in a queue, sorted. */
async function bodiesIn(client: SQSClient, url: string): Promise<string[]> {
  const bodies: string[] = [];
  for (let round = 0; round < 5; round++) {
    const output = await client.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    const messages = output.Messages ?? [];
    if (messages.length === 0 && round > 0) break;
    bodies.push(...messages.map((message) => message.Body ?? ''));
  }

  return bodies.sort();
}
