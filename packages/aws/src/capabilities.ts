import type { CapabilityDeclaration } from '@cloudport/core';

/** What the AWS adapter, its S3 store and its SQS queue support on AWS itself. */
export const AWS_CAPABILITIES: CapabilityDeclaration = {
  implementation: 'aws',
  title: 'AWS',
  features: {
    'trigger.object-created': { support: 'yes', note: 'S3 event notifications' },
    'trigger.object-deleted': { support: 'yes', note: 'S3 event notifications' },
    'trigger.queue': { support: 'yes', note: 'SQS event source mapping' },
    'trigger.http': {
      support: 'partial',
      note: 'API Gateway HTTP API (payload 2.0) and Function URLs; bodies are buffered, 6 MB',
    },
    'trigger.schedule': {
      support: 'yes',
      note:
        'EventBridge Scheduler with the cloudport input, or a scheduled rule; a rate counts from ' +
        "the schedule's StartDate (a rule's creation), not from midnight UTC",
    },
    'outcome.retry': {
      support: 'yes',
      note: 'object and schedule events retry the whole invocation (Lambda async retries)',
    },
    'outcome.dead-letter': {
      support: 'yes',
      note:
        'without a bound queue: SQS redrive policy, or the Lambda on-failure destination after ' +
        'the async retries',
    },
    'outcome.per-message': {
      support: 'partial',
      note:
        'SQS batches report each message (ReportBatchItemFailures); the records of one S3 ' +
        'event fail together',
    },
    'store.range-read': { support: 'yes' },
    'store.stream-write': { support: 'yes', note: 'multipart upload, 8 MiB parts' },
    'store.metadata': { support: 'yes', note: '2 KB of user metadata' },
    'store.create-only': { support: 'yes', note: 'If-None-Match: *' },
    'store.if-match': { support: 'yes', note: 'If-Match' },
    'store.list': { support: 'yes' },
    'store.copy': {
      support: 'partial',
      note: 'CopyObject, objects up to 5 GB; a larger source raises UNSUPPORTED',
    },
    'store.signed-url': {
      support: 'yes',
      note:
        "up to 7 days; a URL signed with a Lambda role's temporary credentials expires with " +
        'them, often within hours',
    },
    'queue.batch-send': { support: 'yes', note: 'split to 10 entries and 1 MiB' },
    'queue.attributes': {
      support: 'partial',
      note: "at most 9 per message: one SQS slot of 10 is kept for cloudport's marks",
    },
    'queue.delay': {
      support: 'partial',
      note: 'standard queues only, up to 900 s; FIFO queues raise UNSUPPORTED',
    },
    'queue.ordering-key': {
      support: 'partial',
      note:
        'FIFO queues only (message group); a receive may return several messages of one group, ' +
        'in order',
    },
    'queue.deduplication': {
      support: 'partial',
      note: 'FIFO queues only, within the 5-minute SQS deduplication window',
    },
    'queue.redelivery': { support: 'yes' },
    'queue.stale-settle': {
      support: 'partial',
      note:
        'SQS accepts the receipt handle of an earlier delivery without effect; the queue ' +
        'refuses one only when the same queue object has since received a newer delivery of ' +
        'the message (it remembers the last 10,000 message ids)',
    },
    'queue.dead-letter': { support: 'yes', note: 'redrive policy (maxReceiveCount)' },
  },
};
