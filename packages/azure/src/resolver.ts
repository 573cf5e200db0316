import type { ServiceBusClient } from '@azure/service-bus';
import type { BlobServiceClient } from '@azure/storage-blob';
import type { MessageQueue, ObjectStore, QueueRef, ResourceResolver } from '@cloudport/core';
import { createServiceBusQueue, type ServiceBusQueue } from './queue/service-bus.js';
import { createServiceBusClient } from './sdk.js';
import { type AzureSettings, missingConnection } from './settings.js';
import { createBlobStore } from './storage/blob.js';

/** Clients to use instead of those the adapter would create from app settings. */
export interface AzureClients {
  blobService?: BlobServiceClient;
  serviceBus?: ServiceBusClient;
}

/** A resolver that can also release the clients it created. */
export interface AzureResolver extends ResourceResolver {
  /** Closes the queues' links and the Service Bus connection, if the resolver made it. */
  close(): Promise<void>;
}

/**
 * Binds logical buckets to Blob containers and logical queues to Service Bus queues by the
 * bindings (`CLOUDPORT_BUCKET_*`, `CLOUDPORT_QUEUE_*`), with the connections of the app
 * settings. Stores and queues are made on first use and kept; one Service Bus connection is
 * shared by every queue.
 */
export function createAzureResolver(
  settings: AzureSettings,
  clients: AzureClients = {},
): AzureResolver {
  const stores = new Map<string, ObjectStore>();
  const queues = new Map<string, ServiceBusQueue<unknown>>();
  let serviceBus: Promise<ServiceBusClient> | undefined;
  const connect = (): Promise<ServiceBusClient> => {
    if (clients.serviceBus) return Promise.resolve(clients.serviceBus);
    const { connectionString, endpoint, setting } = settings.serviceBus;
    if (!connectionString && !(endpoint && settings.credential)) {
      return Promise.reject(missingConnection(settings.serviceBus, `Service Bus (${setting})`));
    }
    serviceBus ??= createServiceBusClient(
      { connectionString, namespace: endpoint, credential: settings.credential },
      `The app setting ${setting}`,
    );

    return serviceBus;
  };

  return {
    store(bucket: string): ObjectStore {
      let store = stores.get(bucket);
      if (!store) {
        const container = settings.bindings.physical('bucket', bucket);
        const { connectionString, endpoint } = settings.storage;
        store = createBlobStore({
          bucket,
          container,
          client: clients.blobService,
          connectionString,
          serviceUrl: endpoint,
          credential: settings.credential,
        });
        stores.set(bucket, store);
      }

      return store;
    },
    queue<T>(ref: QueueRef<T>): MessageQueue<T> {
      let queue = queues.get(ref.name);
      if (!queue) {
        queue = createServiceBusQueue<unknown>({
          queue: ref,
          entity: settings.bindings.physical('queue', ref.name),
          connect,
          maxMessageBytes: settings.queues[ref.name]?.maxMessageBytes,
          sessions: settings.queues[ref.name]?.sessions,
        });
        queues.set(ref.name, queue);
      }

      return queue as MessageQueue<T>;
    },
    async close(): Promise<void> {
      for (const queue of queues.values()) await queue.close();
      queues.clear();
      const created = serviceBus;
      serviceBus = undefined;
      if (created) await (await created).close();
    },
  };
}
