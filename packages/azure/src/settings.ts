import {
  type Bindings,
  InvalidConfigError,
  type PipelineFunction,
  readBindings,
} from '@cloudport/core';
import type { TokenCredential } from './sdk.js';

/** Per-function choices of the Azure adapter. */
export interface AzureFunctionSettings {
  /**
   * HTTP functions: the key callers must present. `function` (the default) needs a function
   * or host key in `code` or `x-functions-key`; `anonymous` lets anyone call; `admin` needs the
   * master key. The v4 library's own default is `anonymous`; cloudport asks for a choice.
   */
  authLevel?: 'anonymous' | 'function' | 'admin';
  /**
   * Queue functions: `one` message per invocation (the default), so each message has its own
   * outcome; or `many`, a batch per invocation that the host completes or abandons as a whole.
   */
  cardinality?: 'one' | 'many';
  /**
   * Object functions: `event-grid` (the default) receives Event Grid blob events, creates and
   * deletes, and never reads the blob; `blob-trigger` uses the blob trigger, which loads each
   * new blob into memory and cannot see deletes.
   */
  objectSource?: 'event-grid' | 'blob-trigger';
  /** With the blob trigger: how the host finds new blobs. Defaults to the host's polling. */
  blobSource?: 'EventGrid' | 'LogsAndContainerScan';
}

/** Per-queue facts the adapter cannot read from the pipeline. */
export interface AzureQueueSettings {
  /**
   * The entity's largest message in bytes: 256 KiB on Standard, more on Premium. Defaults to
   * the largest message the Service Bus link advertises, which is the entity's own limit.
   */
  maxMessageBytes?: number;
  /**
   * True when the Service Bus queue requires sessions: its trigger then reads by session, and
   * every send to it needs an `orderingKey` (the session id), checked before sending.
   */
  sessions?: boolean;
}

/** A connection as app settings describe it: by name, with what the setting holds. */
export interface ConnectionSetting {
  /** The app setting's name, which the host reads too (the trigger's `connection`). */
  setting: string;
  connectionString?: string;
  /** Blob service URL or Service Bus namespace of an identity-based connection. */
  endpoint?: string;
}

/** Everything the adapter reads from app settings and options, once, at cold start. */
export interface AzureSettings {
  bindings: Bindings;
  storage: ConnectionSetting;
  serviceBus: ConnectionSetting;
  credential: TokenCredential | undefined;
  /** The host's HTTP route prefix, `api` unless host.json changes it. */
  routePrefix: string;
  defaults: Required<Pick<AzureFunctionSettings, 'authLevel' | 'cardinality' | 'objectSource'>> &
    Pick<AzureFunctionSettings, 'blobSource'>;
  functions: Readonly<Record<string, AzureFunctionSettings>>;
  queues: Readonly<Record<string, AzureQueueSettings>>;
}

/** The options {@link readAzureSettings} takes; a subset of the registration options. */
export interface SettingsOptions extends AzureFunctionSettings {
  env?: Record<string, string | undefined>;
  storageConnection?: string;
  serviceBusConnection?: string;
  credential?: TokenCredential;
  routePrefix?: string;
  functions?: Record<string, AzureFunctionSettings>;
  queues?: Record<string, AzureQueueSettings>;
}

/** App setting of the storage connection, unless the options name another. */
export const STORAGE_SETTING = 'CLOUDPORT_STORAGE';
/** App setting of the Service Bus connection, unless the options name another. */
export const SERVICE_BUS_SETTING = 'CLOUDPORT_SERVICEBUS';
// Every Functions app has this one; it serves when no storage connection of its own is set.
const HOST_STORAGE_SETTING = 'AzureWebJobsStorage';

/**
 * Reads the bindings (`CLOUDPORT_*` variables) and the connection settings once. A connection
 * setting holds a connection string, or is identity-based: `<name>__blobServiceUri` (or
 * `__serviceUri`, `__accountName`) for storage, `<name>__fullyQualifiedNamespace` for Service
 * Bus, as the Functions host reads them.
 */
export function readAzureSettings(options: SettingsOptions = {}): AzureSettings {
  const env = options.env ?? process.env;
  const storageName = options.storageConnection ?? STORAGE_SETTING;
  const hasOwnStorage = Object.keys(env).some(
    (key) => key === storageName || key.startsWith(`${storageName}__`),
  );
  const storage = readStorage(
    env,
    hasOwnStorage || options.storageConnection ? storageName : HOST_STORAGE_SETTING,
  );

  return {
    bindings: readBindings(env),
    storage,
    serviceBus: readServiceBus(env, options.serviceBusConnection ?? SERVICE_BUS_SETTING),
    credential: options.credential,
    routePrefix: (options.routePrefix ?? 'api').replace(/^\/+|\/+$/g, ''),
    defaults: {
      authLevel: options.authLevel ?? 'function',
      cardinality: options.cardinality ?? 'one',
      objectSource: options.objectSource ?? 'event-grid',
      blobSource: options.blobSource,
    },
    functions: options.functions ?? {},
    queues: options.queues ?? {},
  };
}

/**
 * The settings of one function: its own, over the defaults. Delete functions always use Event
 * Grid, since the blob trigger never sees deletes.
 */
export function functionSettings(
  settings: AzureSettings,
  fn: PipelineFunction,
): AzureSettings['defaults'] {
  const own = { ...settings.defaults, ...settings.functions[fn.name] };
  if (fn.trigger.kind === 'object' && fn.trigger.event === 'deleted')
    own.objectSource = 'event-grid';

  return own;
}

function readStorage(env: Record<string, string | undefined>, setting: string): ConnectionSetting {
  const connectionString = env[setting];
  if (connectionString) return { setting, connectionString };
  const url = env[`${setting}__blobServiceUri`] ?? env[`${setting}__serviceUri`];
  if (url) return { setting, endpoint: url };
  const account = env[`${setting}__accountName`];

  return account ? { setting, endpoint: `https://${account}.blob.core.windows.net` } : { setting };
}

function readServiceBus(
  env: Record<string, string | undefined>,
  setting: string,
): ConnectionSetting {
  const connectionString = env[setting];
  if (connectionString) return { setting, connectionString };
  const namespace = env[`${setting}__fullyQualifiedNamespace`];

  return namespace ? { setting, endpoint: namespace } : { setting };
}

/** The error of a connection that a client needs and the app settings do not give. */
export function missingConnection(connection: ConnectionSetting, what: string): InvalidConfigError {
  return new InvalidConfigError(
    `${what} needs the app setting ${connection.setting}: a connection string, or an ` +
      'identity-based connection with a credential passed to registerFunctions.',
    { provider: 'azure' },
  );
}
