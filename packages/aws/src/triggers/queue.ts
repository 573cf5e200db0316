import {
  type Decoded,
  decodeBodyFromText,
  InvalidEventError,
  type MessageEvent,
  type PipelineFunction,
  type QueueTrigger,
  type Settled,
} from '@cloudport/core';
import type { AwsBindingView } from '../binding.js';
import type { SqsBatchResult, SqsRecord } from '../events.js';
import { fromRecordAttributes, unmarkBody } from '../queue/attributes.js';
import { isoFromEpochMsText } from '../time.js';
import { isFailed, recordsOf } from './shared.js';

/** What a function's queue decoder knows from cold start on, and of the last ARN it saw. */
interface QueueBinding {
  fn: PipelineFunction<QueueTrigger>;
  /** `:<bound queue name>`, which the ARN of every record must end with. */
  arnSuffix: string | undefined;
  arn: unknown;
  fifo: boolean;
  /** True when `arn` is the bound queue's, or no queue is bound. */
  fromBound: boolean;
}

const UNSEEN = Symbol('unseen');

/**
 * Makes the decoder of one function's SQS batches, its queue binding looked up once. It turns a
 * batch into one message event per record, bodies decoded by the queue's declared kind (`bytes`
 * bodies travel base64). A record that is malformed, undecodable or from another queue becomes
 * an `INVALID_EVENT` unit on its own, and the rest of the batch proceeds.
 *
 * On a FIFO queue the message group is the ordering key, so a failed message also fails every
 * later message of its group in the batch; on a standard queue (where a group id only serves
 * fair queueing) messages carry no ordering key.
 */
// https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html
export function createQueueDecoder(
  fn: PipelineFunction<QueueTrigger>,
  view: AwsBindingView,
): (input: unknown) => Decoded[] {
  const bound = view.queueNameOf(fn.trigger.queue.name);
  const binding: QueueBinding = {
    fn,
    arnSuffix: bound === undefined ? undefined : `:${bound}`,
    arn: UNSEEN,
    fifo: false,
    fromBound: false,
  };

  return (input) => {
    const records = recordsOf<SqsRecord>(input, fn, 'an SQS batch');
    const units: Decoded[] = new Array(records.length);
    for (let index = 0; index < records.length; index++) {
      units[index] = toMessageUnit(binding, records[index] as SqsRecord, index);
    }

    return units;
  };
}

/**
 * Builds the partial batch response: the id of every message to deliver again. A failed record
 * without a message id cannot be named, so the whole batch fails instead and SQS delivers every
 * message of it again. When every message failed, the invocation fails too (with the handlers'
 * errors): SQS delivers the same messages again either way, and a batch that fails as a whole
 * then shows in the function's `Errors` metric and alarms instead of passing as a success.
 * (With `ReportBatchItemFailures` on, Lambda keeps its polling rate in both cases.)
 */
// https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
export function encodeQueueResult(fn: PipelineFunction, settled: Settled[]): SqsBatchResult {
  const batchItemFailures: Array<{ itemIdentifier: string }> = [];
  for (const unit of settled) {
    if (!isFailed(unit.outcome)) continue;
    const messageId = 'error' in unit ? messageIdOf(unit.raw) : unit.id;
    if (messageId === undefined) {
      throw new InvalidEventError(
        `A message without a messageId failed in function ${JSON.stringify(fn.name)}; the whole ` +
          'batch fails so that SQS delivers it again.',
        { provider: 'aws', cause: 'error' in unit ? unit.error : undefined },
      );
    }
    batchItemFailures.push({ itemIdentifier: messageId });
  }
  if (settled.length > 0 && batchItemFailures.length === settled.length) failAll(fn, settled);

  return { batchItemFailures };
}

function failAll(fn: PipelineFunction, settled: Settled[]): never {
  const errors = settled.map((unit) => ('error' in unit.outcome ? unit.outcome.error : undefined));

  throw new AggregateError(
    errors,
    `All ${settled.length} messages of the SQS batch for function ${JSON.stringify(fn.name)} ` +
      'failed; the invocation fails, so that it counts as an error, and SQS delivers them ' +
      'all again.',
  );
}

function toMessageUnit(binding: QueueBinding, record: SqsRecord, index: number): Decoded {
  const fn = binding.fn;
  const messageId = messageIdOf(record);
  const id = messageId ?? `record-${index}`;
  const arn = record?.eventSourceARN;
  // The records of one batch come from one queue: its ARN is looked at once.
  if (arn !== binding.arn) readArn(binding, arn);
  const orderingKey = binding.fifo ? record.attributes?.MessageGroupId : undefined;
  const time = isoFromEpochMsText(record?.attributes?.SentTimestamp);
  const problem = checkRecord(binding, record, messageId, time);
  if (problem !== undefined) return errorUnit(fn, id, problem, record, orderingKey);
  const kind = fn.trigger.queue.body;
  let body: unknown;
  try {
    body = decodeBodyFromText(kind, unmarkBody(record.body as string, record.messageAttributes));
  } catch (error) {
    if (!(error instanceof InvalidEventError)) throw error;
    const detail = `has a body the ${kind} queue cannot decode: ${error.message}`;
    return errorUnit(fn, id, detail, record, orderingKey, error);
  }
  const event: MessageEvent<unknown> = {
    type: 'message',
    id,
    queue: fn.trigger.queue.name,
    messageId: id,
    body,
    attributes: fromRecordAttributes(record.messageAttributes),
    deliveryCount: countOf(record.attributes?.ApproximateReceiveCount),
    orderingKey,
    time: time as string,
    raw: record,
  };

  return { id, event, orderingKey };
}

function readArn(binding: QueueBinding, arn: unknown): void {
  const text = typeof arn === 'string' ? arn : undefined;
  binding.arn = arn;
  binding.fifo = text?.endsWith('.fifo') === true;
  binding.fromBound = binding.arnSuffix === undefined || text?.endsWith(binding.arnSuffix) === true;
}

/** What is wrong with a record, or undefined. */
function checkRecord(
  binding: QueueBinding,
  record: SqsRecord,
  messageId: string | undefined,
  time: string | undefined,
): string | undefined {
  if (record === null || typeof record !== 'object') return 'is not an object';
  if (record.eventSource !== 'aws:sqs') {
    return `has eventSource ${JSON.stringify(record.eventSource)}, not aws:sqs`;
  }
  if (messageId === undefined) return 'has no messageId';
  if (typeof record.body !== 'string') return 'has no string body';
  if (time === undefined) return 'has no SentTimestamp';
  // Without its group the message could not hold back the later ones of the group it is in.
  if (binding.fifo && !record.attributes?.MessageGroupId) {
    return 'comes from a FIFO queue but has no attributes.MessageGroupId';
  }
  if (!binding.fromBound) {
    const arn = record.eventSourceARN;
    const queue = typeof arn === 'string' ? arn.slice(arn.lastIndexOf(':') + 1) : arn;
    const bound = binding.arnSuffix?.slice(1);

    return `comes from queue ${JSON.stringify(queue)}, not the bound ${bound}`;
  }

  return undefined;
}

function errorUnit(
  fn: PipelineFunction,
  id: string,
  problem: string,
  record: SqsRecord,
  orderingKey: string | undefined,
  cause?: unknown,
): Decoded {
  const error = new InvalidEventError(
    `SQS message ${id} for function ${JSON.stringify(fn.name)} ${problem.replace(/\.$/, '')}.`,
    { provider: 'aws', cause },
  );
  // The core reads `orderingKey` from any unit, so an invalid FIFO message also holds back the
  // later messages of its group when it is not dead-lettered.
  const unit = { id, error, raw: record, orderingKey };

  return unit as Decoded;
}

function messageIdOf(record: unknown): string | undefined {
  const messageId = (record as SqsRecord | null)?.messageId;

  return typeof messageId === 'string' && messageId !== '' ? messageId : undefined;
}

function countOf(value: string | undefined): number | undefined {
  const count = Number(value);

  return Number.isSafeInteger(count) && count >= 1 ? count : undefined;
}
