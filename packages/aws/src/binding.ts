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
import { createSqsSender } from './queue/sqs-sender.js';
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

const SLASH = 47;
const HOST_END = '/?#';

/** The queue name in an SQS queue URL (its last path segment) or a bare queue name. */
export function queueNameOf(urlOrName: string): string {
  const pathStart = pathStartOf(urlOrName);
  if (pathStart < 0) return urlOrName;
  // Read with string searches rather than a URL object and a regular expression: this runs at
  // every cold start, where each first use of either costs tens of microseconds.
  const query = urlOrName.indexOf('?', pathStart);
  const fragment = urlOrName.indexOf('#', pathStart);
  let end = query < 0 ? urlOrName.length : query;
  if (fragment >= 0 && fragment < end) end = fragment;
  while (end > pathStart && urlOrName.charCodeAt(end - 1) === SLASH) end -= 1;
  const start = urlOrName.lastIndexOf('/', end - 1) + 1;

  return end <= pathStart ? '' : decodeURIComponent(urlOrName.slice(start, end));
}

/**
 * Where the path of an `http://` or `https://` URL starts (where its query or fragment starts,
 * or its length, when it has no path), or -1 when the value is a bare queue name instead.
 */
function pathStartOf(value: string): number {
  const scheme = value.slice(0, 8).toLowerCase();
  const hostStart = scheme.startsWith('https://') ? 8 : scheme.startsWith('http://') ? 7 : -1;
  if (hostStart < 0) return -1;
  let index = hostStart;
  while (index < value.length && !HOST_END.includes(value.charAt(index))) index += 1;

  return index;
}

/**
 * Binds logical buckets to S3 stores and logical queues to SQS queues by the core's binding
 * variables. Stores and queues are made on first use and kept; SDK clients are loaded and
 * created on the first call that needs them, so a function that only reads SQS events never
 * loads the S3 client. Its queues send only (handlers and dead-letter forwards never receive),
 * so a bundled handler carries no receiving code; `createSqsQueue` makes a consuming one.
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
      const isUrl = pathStartOf(physical) >= 0;
      const queue = createSqsSender<T>({
        queue: ref,
        ...(isUrl ? { url: physical } : { physicalName: physical }),
        client: sqsClient,
      });
      queues.set(ref.name, queue as MessageQueue<unknown>);
      return queue;
    },
  };
}
