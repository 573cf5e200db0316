import type {
  Bindings,
  MessageQueue,
  ObjectStore,
  QueueRef,
  ResourceResolver,
} from '@cloudport/core';
import type { ClientConfig, PubSub } from '@google-cloud/pubsub';
import type { Storage, StorageOptions } from '@google-cloud/storage';
import {
  type ClientSource,
  createPubSubClient,
  createStorageClient,
  fromSource,
} from './clients.js';
import { createPubSubQueue } from './queue/pubsub.js';
import { createGcsStore } from './storage/gcs.js';

/** Clients the resolver hands to its stores and queues; each is made on first use if not given. */
export interface GcpClientOptions {
  /** A Cloud Storage client (or a function giving one). */
  storage?: ClientSource<Storage>;
  /** Options of the Cloud Storage client made on first use. */
  storageOptions?: StorageOptions;
  /** A Pub/Sub client (or a function giving one). */
  pubsub?: ClientSource<PubSub>;
  /** Options of the Pub/Sub client made on first use. */
  pubsubOptions?: ClientConfig;
}

/**
 * Binds logical buckets to GCS stores and logical queues to Pub/Sub topics, by core's scheme:
 * `CLOUDPORT_BUCKET_<NAME>` holds the bucket name, `CLOUDPORT_QUEUE_<NAME>` the topic id (or
 * `projects/P/topics/T`). One Storage and one Pub/Sub client serve every resource, each loaded
 * only when a resource of its kind is first used; stores and queues are made once per name.
 */
export function createGcpResolver(
  bindings: Bindings,
  clients: GcpClientOptions = {},
): ResourceResolver {
  const storage = fromSource(clients.storage, () => createStorageClient(clients.storageOptions));
  const pubsub = fromSource(clients.pubsub, () => createPubSubClient(clients.pubsubOptions));
  const stores = new Map<string, ObjectStore>();
  const queues = new Map<string, MessageQueue<unknown>>();

  return {
    store(bucket) {
      let store = stores.get(bucket);
      if (!store) {
        const physicalName = bindings.physical('bucket', bucket);
        store = createGcsStore({ bucket, physicalName, client: storage });
        stores.set(bucket, store);
      }
      return store;
    },
    queue<T>(ref: QueueRef<T>): MessageQueue<T> {
      let queue = queues.get(ref.name);
      if (!queue) {
        const topic = bindings.physical('queue', ref.name);
        queue = createPubSubQueue({ queue: ref as QueueRef<unknown>, topic, client: pubsub });
        queues.set(ref.name, queue);
      }
      return queue as MessageQueue<T>;
    },
  };
}
