import {
  CreateQueueCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import {
  AWS_CAPABILITIES,
  createHandler,
  type HttpResultV2,
  type LambdaHandler,
  type SqsBatch,
  type SqsBatchResult,
} from '@cloudport/aws';
import { bindingVariable, type DeadLetterRecord, type Pipeline } from '@cloudport/core';
import {
  type AdapterHarness,
  adapterConformance,
  type ObjectFact,
  type PlatformOutcome,
} from '@cloudport/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { sqsClientFor } from './support/clients.js';
import { functionUrlEvent, s3Notification, sqsBatch, toResponse } from './support/lambda-events.js';
import { startFauxqsInProcess, type TestServer } from './support/servers.js';

let server: TestServer;
let sqs: SQSClient;
let harnesses = 0;

beforeAll(async () => {
  server = await startFauxqsInProcess();
  sqs = sqsClientFor(server.endpoint);
});
afterAll(async () => {
  sqs?.destroy();
  await server?.stop();
});

/**
 * Builds real Lambda events from the suite's facts and runs them through the real handlers;
 * the bound dead-letter queue is a real SQS queue (fauxqs, in process), so forwarding goes
 * through the SDK and the SQS queue.
 */
async function awsHarness(pipeline: Pipeline): Promise<AdapterHarness<unknown, unknown>> {
  harnesses += 1;
  const prefix = `adapter-${process.pid}-${harnesses}`;
  const env: Record<string, string> = { CLOUDPORT_PIPELINE: pipeline.name };
  const physical = (name: string) => `${prefix}-${name}`;
  const { buckets, queues } = pipeline.resources();
  for (const name of buckets.keys()) env[bindingVariable('bucket', name)] = physical(name);
  const urls = new Map<string, string>();
  for (const name of queues.keys()) {
    const created = await sqs.send(new CreateQueueCommand({ QueueName: physical(name) }));
    urls.set(name, created.QueueUrl ?? '');
    env[bindingVariable('queue', name)] = created.QueueUrl ?? '';
  }
  const handlers = new Map<string, LambdaHandler>();
  const handlerOf = (name: string) => {
    let handler = handlers.get(name);
    if (!handler) {
      handler = createHandler(pipeline, name, { env, logger: false, sqsClient: sqs });
      handlers.set(name, handler);
    }
    return handler;
  };
  const kindOf = (queue: string) => queues.get(queue)?.body ?? 'json';
  let requests = 0;
  const context = () => ({
    awsRequestId: `conformance-${harnesses}-${++requests}`,
    getRemainingTimeInMillis: () => 60_000,
  });

  return {
    objectInput: (fact) =>
      s3Notification([{ ...fact, bucket: physical(fact.bucket), etag: fact.etag ?? 'e7a1b2' }]),
    messageInput: (queue, messages) =>
      sqsBatch(
        physical(queue),
        kindOf(queue),
        messages.map((m) => ({ ...m })),
      ),
    scheduleInput: (time) => ({
      cloudport: 'schedule',
      schedule: `arn:aws:scheduler:us-east-1:000000000000:schedule/default/${prefix}-tick`,
      time,
      execution: 'e-1',
      attempt: '1',
    }),
    malformedInputs: (kind) => {
      if (kind === 'object') {
        const missingKey = s3Notification([
          { type: 'created', bucket: physical('conf-in'), key: 'in/x' },
        ]);
        const object = missingKey.Records[0]?.s3?.object;
        if (object) delete object.key;
        return [{}, { Records: 'none' }, missingKey, sqsBatch(physical('conf-jobs'), 'json', [])];
      }
      if (kind === 'queue') {
        return [
          sqsBatch(physical('conf-jobs'), 'json', [
            { messageId: 'bad-json', body: '{oops', wire: true },
          ]),
          sqsBatch('another-queue', 'json', [{ messageId: 'foreign', body: { action: 'ok' } }]),
          s3Notification([
            { type: 'created', bucket: physical('conf-in'), key: 'in/not-a-message' },
          ]),
          { Records: [] },
        ];
      }
      return [{}, { cloudport: 'schedule', time: 'yesterday' }, { 'detail-type': 'Other' }];
    },
    run: (name, input) => handlerOf(name)(input, context()).catch((error: Error) => error),
    outcomes: (input, output) => platformOutcomes(input, output),
    http: async (name, request) => {
      const result = await handlerOf(name)(await functionUrlEvent(request), context());
      return toResponse(result as HttpResultV2);
    },
    deadLetters: async (queue) => readRecords(urls.get(queue) ?? ''),
    async exhaustObjectRetries(this: AdapterHarness, name: string, fact: ObjectFact) {
      // Lambda runs an asynchronous event three times (two retries), then sends it to the
      // on-failure destination or dead-letter queue that deploy configures.
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
        platform: 'Lambda on-failure destination after the two asynchronous retries',
      };
    },
  };
}

/** What Lambda does with each unit: a thrown invocation fails them all. */
function platformOutcomes(input: unknown, output: unknown): PlatformOutcome[] {
  const records = (input as { Records?: unknown }).Records;
  const count = Array.isArray(records) ? records.length : 1;
  if (output instanceof Error) return Array.from({ length: count }, () => 'failed');
  const failures = (output as SqsBatchResult | undefined)?.batchItemFailures;
  if (!failures) return Array.from({ length: count }, () => 'acknowledged');
  const failed = new Set(failures.map((failure) => failure.itemIdentifier));

  return (input as SqsBatch).Records.map((record) =>
    failed.has(record.messageId ?? '') ? 'failed' : 'acknowledged',
  );
}

async function readRecords(url: string): Promise<DeadLetterRecord[]> {
  const records: DeadLetterRecord[] = [];
  for (;;) {
    const output = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    const messages = output.Messages ?? [];
    if (messages.length === 0) return records;
    for (const message of messages) {
      records.push(JSON.parse(message.Body ?? 'null') as DeadLetterRecord);
      await sqs.send(
        new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle }),
      );
    }
  }
}

describe('AWS adapter', () => {
  adapterConformance(
    { describe, it },
    { name: 'aws (fauxqs)', capabilities: AWS_CAPABILITIES, createHarness: awsHarness },
  );
});
