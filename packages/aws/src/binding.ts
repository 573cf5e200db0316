import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import type { SQSClient, SQSClientConfig } from '@aws-sdk/client-sqs';
import {
  type BindingKind,
  type Bindings,
  bindingVariable,
  InvalidConfigError,
  type MessageQueue,
  type ObjectStore,
  type Pipeline,
  type PipelineFunction,
  type QueueRef,
  type ResourceResolver,
} from '@cloudport/core';
import { createSqsQueue } from './queue/sqs.js';
import { loadS3, loadSqs } from './sdk.js';
import { createS3Store } from './storage/s3.js';

/** SDK clients, or their configuration, for the stores and queues a handler binds. */
export interface AwsClientOptions {
  /** One S3 client for every bucket; created on first use from `s3Config` when absent. */
  s3Client?: S3Client;
  s3Config?: S3ClientConfig;
  /** One SQS client for every queue; created on first use from `sqsConfig` when absent. */
  sqsClient?: SQSClient;
  sqsConfig?: SQSClientConfig;
}

/** What the trigger modules need to know about the deployment's physical names. */
export interface AwsBindingView {
  /** The physical bucket a logical bucket is bound to, if it is bound. */
  bucketNameOf(logicalName: string): string | undefined;
  /** The physical queue name a logical queue is bound to, if it is bound. */
  queueNameOf(logicalName: string): string | undefined;
}

/**
 * Reads the physical bucket and queue names of the pipeline's resources once, at cold start:
 * S3 events name physical buckets and SQS records physical queues, which are checked against
 * the function's trigger and reported by their logical names.
 */
export function createBindingView(pipeline: Pipeline, bindings: Bindings): AwsBindingView {
  const buckets = new Map<string, string>();
  const queues = new Map<string, string>();
  const { buckets: logicalBuckets, queues: logicalQueues } = pipeline.resources();
  for (const name of logicalBuckets.keys()) {
    const physical = bindings.variables.get(bindingVariable('bucket', name));
    if (physical) buckets.set(name, physical);
  }
  for (const name of logicalQueues.keys()) {
    const physical = bindings.variables.get(bindingVariable('queue', name));
    if (physical) queues.set(name, queueNameOf(physical));
  }

  return {
    bucketNameOf: (logicalName) => buckets.get(logicalName),
    queueNameOf: (logicalName) => queues.get(logicalName),
  };
}

/**
 * Checks, once at cold start, that the resources a function cannot run without are bound: the
 * bucket or queue of its trigger (events are checked against its physical name) and, when
 * `deadLetter` is true, its dead-letter queue. Throws `INVALID_CONFIG` naming the variable to
 * set, instead of letting every event look invalid or the first dead letter fail.
 */
export function checkFunctionBindings(
  fn: PipelineFunction,
  bindings: Bindings,
  deadLetter: boolean,
): void {
  const trigger = fn.trigger;
  if (trigger.kind === 'object') requireBinding(fn, bindings, 'bucket', trigger.bucket.name);
  if (trigger.kind === 'queue') requireBinding(fn, bindings, 'queue', trigger.queue.name);
  if (deadLetter && fn.deadLetter) {
    requireBinding(fn, bindings, 'queue', fn.deadLetter.name, 'dead-letter');
  }
}

function requireBinding(
  fn: PipelineFunction,
  bindings: Bindings,
  kind: BindingKind,
  name: string,
  role = 'trigger',
): void {
  const variable = bindingVariable(kind, name);
  if (bindings.variables.get(variable)) return;
  const value = kind === 'bucket' ? 'the S3 bucket name' : "the SQS queue's URL or name";

  throw new InvalidConfigError(
    `Function ${JSON.stringify(fn.name)} needs its ${role} ${kind} ${name} bound, but ` +
      `${variable} is not set; set it to ${value}.`,
    { provider: 'aws' },
  );
}

/** The queue name in an SQS queue URL (its last path segment) or a bare queue name. */
export function queueNameOf(urlOrName: string): string {
  if (!/^https?:\/\//i.test(urlOrName)) return urlOrName;
  const path = new URL(urlOrName).pathname.replace(/\/+$/, '');

  return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
}

/**
 * Binds logical buckets to S3 stores and logical queues to SQS queues by the core's binding
 * variables. Stores and queues are made on first use and kept; SDK clients are loaded and
 * created on the first call that needs them, so a function that only reads SQS events never
 * loads the S3 client.
 */
export function createAwsResolver(
  bindings: Bindings,
  options: AwsClientOptions = {},
): ResourceResolver {
  const stores = new Map<string, ObjectStore>();
  const queues = new Map<string, MessageQueue<unknown>>();
  let s3: Promise<S3Client> | undefined;
  let sqs: Promise<SQSClient> | undefined;
  const s3Client = () => {
    s3 ??= options.s3Client
      ? Promise.resolve(options.s3Client)
      : loadS3().then((sdk) => new sdk.S3Client(options.s3Config ?? {}));
    return s3;
  };
  const sqsClient = () => {
    sqs ??= options.sqsClient
      ? Promise.resolve(options.sqsClient)
      : loadSqs().then((sdk) => new sdk.SQSClient(options.sqsConfig ?? {}));
    return sqs;
  };

  return {
    store(bucket) {
      const known = stores.get(bucket);
      if (known) return known;
      const physicalName = bindings.physical('bucket', bucket);
      const store = createS3Store({ bucket, physicalName, client: s3Client });
      stores.set(bucket, store);
      return store;
    },
    queue<T>(ref: QueueRef<T>): MessageQueue<T> {
      const known = queues.get(ref.name);
      if (known) return known as MessageQueue<T>;
      const physical = bindings.physical('queue', ref.name);
      const isUrl = /^https?:\/\//i.test(physical);
      const queue = createSqsQueue<T>({
        queue: ref,
        ...(isUrl ? { url: physical } : { physicalName: physical }),
        client: sqsClient,
      });
      queues.set(ref.name, queue as MessageQueue<unknown>);
      return queue;
    },
  };
}
