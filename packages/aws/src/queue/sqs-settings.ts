import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SqsSdk } from '../sdk.js';

/** What a queue knows about itself, read once from SQS. */
export interface QueueSettings {
  url: string;
  /** The physical queue name. */
  name: string;
  fifo: boolean;
  contentBasedDeduplication: boolean;
  /** The queue's MaximumMessageSize: 1 MiB on new queues, often 256 KiB on older ones. */
  maxMessageBytes: number;
  /** The redrive policy's dead-letter queue, if the queue has one. */
  deadLetterArn: string | undefined;
}

/** Makes one SQS call, translating its errors; `action` names it in messages. */
export type SqsCall = <R>(
  action: string,
  send: (sdk: SqsSdk, client: SQSClient) => Promise<R>,
) => Promise<R>;

// What SQS assumed before queues could take 1 MiB; used when a queue does not say.
const FALLBACK_MAX_MESSAGE_BYTES = 262_144;

/**
 * Reads the queue's URL (by name, when no URL is given) and the attributes the queue acts on:
 * MaximumMessageSize, FIFO, content-based deduplication and the redrive policy.
 */
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_GetQueueAttributes.html
export async function readQueueSettings(
  call: SqsCall,
  url: string | undefined,
  name: string,
): Promise<QueueSettings> {
  const queueUrl = url ?? (await findQueueUrl(call, name));
  const output = await call('read the attributes of', (sdk, client) =>
    client.send(
      new sdk.GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: [
          'MaximumMessageSize',
          'FifoQueue',
          'ContentBasedDeduplication',
          'RedrivePolicy',
        ],
      }),
    ),
  );
  const attributes = output.Attributes ?? {};
  const redrive = attributes.RedrivePolicy ? JSON.parse(attributes.RedrivePolicy) : undefined;
  const target = redrive?.deadLetterTargetArn;

  return {
    url: queueUrl,
    name: url ? decodeURIComponent(url.slice(url.lastIndexOf('/') + 1)) : name,
    fifo: attributes.FifoQueue === 'true',
    contentBasedDeduplication: attributes.ContentBasedDeduplication === 'true',
    maxMessageBytes: Number(attributes.MaximumMessageSize) || FALLBACK_MAX_MESSAGE_BYTES,
    deadLetterArn: typeof target === 'string' ? target : undefined,
  };
}

/** The URL of a queue, by its name (or the last part of its ARN). */
export async function findQueueUrl(call: SqsCall, nameOrArn: string): Promise<string> {
  const QueueName = nameOrArn.slice(nameOrArn.lastIndexOf(':') + 1);
  const output = await call('find', (sdk, client) =>
    client.send(new sdk.GetQueueUrlCommand({ QueueName })),
  );

  return output.QueueUrl ?? '';
}

/** A value made once and kept, which can be forgotten so that the next call makes it again. */
export interface Once<T> {
  (): Promise<T>;
  /** Forgets the kept value. */
  forget(): void;
}

/** Runs `make` once and keeps its result; a failure is forgotten, so the next call tries again. */
export function once<T>(make: () => Promise<T>): Once<T> {
  let pending: Promise<T> | undefined;
  const get = () => {
    if (pending) return pending;
    const current = make();
    pending = current;
    current.catch(() => {
      if (pending === current) pending = undefined;
    });
    return current;
  };

  return Object.assign(get, {
    forget: () => {
      pending = undefined;
    },
  });
}
