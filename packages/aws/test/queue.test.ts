import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { AWS_CAPABILITIES, createSqsQueue } from '@cloudport/aws';
import {
  AWS_LIMITS,
  type BodyKind,
  type CapabilityDeclaration,
  type ConsumableQueue,
  queue,
} from '@cloudport/core';
import { queueConformance } from '@cloudport/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { sqsClientFor } from './support/clients.js';
import { readDeadLetters } from './support/dead-letters.js';
import { motoStatus, startFauxqsInProcess, startMoto, type TestServer } from './support/servers.js';

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
        limits: AWS_LIMITS,
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
          const sqs = createSqsQueue({ queue: ref, url: created.QueueUrl, client });
          deadLetterUrls.set(sqs, { url: dlq.QueueUrl ?? '', body: settings.body });
          return sqs;
        },
        deadLetters: async (sqs) => {
          const dlq = deadLetterUrls.get(sqs);
          return dlq ? readDeadLetters(client, dlq.url, dlq.body) : [];
        },
      });
    }
  });
}

async function arnOf(client: SQSClient, url: string): Promise<string> {
  const output = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );

  return output.Attributes?.QueueArn ?? '';
}
