import type { ServiceBusClient, ServiceBusClientOptions } from '@azure/service-bus';
import type { BlobServiceClient, StoragePipelineOptions } from '@azure/storage-blob';
import { InvalidConfigError } from '@cloudport/core';

/**
 * A token credential, such as `DefaultAzureCredential` from `@azure/identity`; structurally the
 * `TokenCredential` of `@azure/core-auth`, declared here so that no extra package is needed.
 */
export interface TokenCredential {
  getToken(
    scopes: string | string[],
    options?: object,
  ): Promise<{ token: string; expiresOnTimestamp: number } | null>;
}

type StorageBlobModule = typeof import('@azure/storage-blob');
type ServiceBusModule = typeof import('@azure/service-bus');

let storageBlob: Promise<StorageBlobModule> | undefined;
let serviceBus: Promise<ServiceBusModule> | undefined;

/**
 * Loads `@azure/storage-blob` on first use, so that cold starts that never touch it skip it. It
 * is an optional peer dependency: without it, the first use fails with `INVALID_CONFIG`.
 */
export function loadStorageBlob(): Promise<StorageBlobModule> {
  storageBlob ??= import('@azure/storage-blob').catch((cause) => {
    storageBlob = undefined;
    throw missingPackage('@azure/storage-blob', 'Blob Storage buckets', cause);
  });

  return storageBlob;
}

/** Loads `@azure/service-bus` on first use; an optional peer dependency, like the above. */
export function loadServiceBus(): Promise<ServiceBusModule> {
  serviceBus ??= import('@azure/service-bus').catch((cause) => {
    serviceBus = undefined;
    throw missingPackage('@azure/service-bus', 'Service Bus queues', cause);
  });

  return serviceBus;
}

function missingPackage(name: string, use: string, cause: unknown): InvalidConfigError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  const what = isNotFound(cause) ? 'is not installed' : `could not be loaded (${detail})`;

  return new InvalidConfigError(
    `${name} ${what}. @cloudport/azure needs it for ${use}, as an optional peer dependency: ` +
      `install it beside @cloudport/azure (npm install ${name}).`,
    { provider: 'azure', cause },
  );
}

// Loaders and bundlers may wrap Node's error: look for its code down the chain of causes.
function isNotFound(error: unknown): boolean {
  for (let link = error, depth = 0; link && depth < 5; depth += 1) {
    const { code, cause } = link as { code?: unknown; cause?: unknown };
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return true;
    link = cause;
  }

  return false;
}

/** Where a Blob service is and how to sign in: a connection string, or a URL and a credential. */
export interface BlobServiceConnection {
  connectionString?: string;
  /** Blob service URL, such as `https://account.blob.core.windows.net`. */
  serviceUrl?: string;
  credential?: TokenCredential;
  pipeline?: StoragePipelineOptions;
}

/** Creates a `BlobServiceClient` from a connection string, or from a URL and a credential. */
export async function createBlobServiceClient(
  connection: BlobServiceConnection,
  what: string,
): Promise<BlobServiceClient> {
  const sdk = await loadStorageBlob();
  if (connection.connectionString) {
    return sdk.BlobServiceClient.fromConnectionString(
      connection.connectionString,
      connection.pipeline,
    );
  }
  if (connection.serviceUrl && connection.credential) {
    return new sdk.BlobServiceClient(
      connection.serviceUrl,
      connection.credential,
      connection.pipeline,
    );
  }

  throw new InvalidConfigError(
    `${what} has no Blob Storage connection: give a connection string, or a service URL and a ` +
      'token credential (for example DefaultAzureCredential from @azure/identity).',
    { provider: 'azure' },
  );
}

/** Where a Service Bus namespace is and how to sign in. */
export interface ServiceBusConnection {
  connectionString?: string;
  /** Fully qualified namespace, such as `my-ns.servicebus.windows.net`. */
  namespace?: string;
  credential?: TokenCredential;
  options?: ServiceBusClientOptions;
}

/** Creates a `ServiceBusClient` from a connection string, or from a namespace and a credential. */
export async function createServiceBusClient(
  connection: ServiceBusConnection,
  what: string,
): Promise<ServiceBusClient> {
  const sdk = await loadServiceBus();
  if (connection.connectionString) {
    return new sdk.ServiceBusClient(connection.connectionString, connection.options);
  }
  if (connection.namespace && connection.credential) {
    return new sdk.ServiceBusClient(
      connection.namespace,
      connection.credential,
      connection.options,
    );
  }

  throw new InvalidConfigError(
    `${what} has no Service Bus connection: give a connection string, or a fully qualified ` +
      'namespace and a token credential.',
    { provider: 'azure' },
  );
}
