/** The providers whose limits cloudport knows and can simulate locally. */
export type LimitProfile = 'aws' | 'gcp' | 'azure';

/** Inclusive bounds with the default a new resource gets. */
export interface Bounds {
  min: number;
  max: number;
  default: number;
}

/** Queue limits of a provider, in bytes, counts and seconds. */
export interface QueueLimits {
  maxMessageBytes: number;
  maxAttributes: number;
  /**
   * Bytes of all attributes of one message together: their names and values, plus
   * `attributeOverheadBytes` for each where the provider counts more.
   */
  maxAttributesBytes: number;
  /**
   * Bytes the provider counts for each attribute besides its name and value, toward
   * `maxAttributesBytes` and `maxMessageBytes`; 0 when absent. SQS counts the data type name.
   */
  attributeOverheadBytes?: number;
  maxBatchEntries: number;
  maxBatchBytes: number;
  /** Longest send delay; 0 when the provider cannot delay a message. */
  maxDelaySeconds: number;
  maxDeliveryAttempts: Bounds;
  maxVisibilityTimeoutSeconds: number;
  /** Largest batch a queue trigger can hand to one invocation. */
  maxTriggerBatchSize: number;
}

/** Object store limits of a provider. */
export interface StoreLimits {
  maxKeyBytes: number;
  /** Bytes of all user metadata names and values together. */
  maxMetadataBytes: number;
  maxObjectBytes: number;
}

/** Function limits of a provider. */
export interface FunctionLimits {
  maxTimeoutSeconds: number;
  maxHttpTimeoutSeconds: number;
  /** Largest event the platform hands to an event-driven function. */
  maxEventBytes: number;
  /** Retries of a failed asynchronous (object, schedule) invocation. */
  eventRetries: Bounds;
}

/** Everything cloudport knows about one provider's limits, with a source for each figure. */
export interface ProviderLimits {
  provider: LimitProfile;
  queue: QueueLimits;
  store: StoreLimits;
  function: FunctionLimits;
  /** Where each figure comes from, by dotted path; `unverified` marks figures still to confirm. */
  sources: Record<string, string>;
}

// Sizes are plain numbers, not products: bundlers keep an object with arithmetic in it even when
// nothing uses it, and a function bundled for one provider needs none of the others' limits.

/** AWS: SQS, S3 and Lambda. */
export const AWS_LIMITS: ProviderLimits = {
  provider: 'aws',
  queue: {
    // New queues default to 1 MiB; queues created before 2025 may still be at 256 KiB, so the
    // SQS queue reads MaximumMessageSize from the queue itself.
    maxMessageBytes: 1_048_576, // 1 MiB
    maxAttributes: 10,
    maxAttributesBytes: 1_048_576,
    // The data type name "String", which is what cloudport sends.
    attributeOverheadBytes: 6,
    maxBatchEntries: 10,
    maxBatchBytes: 1_048_576,
    maxDelaySeconds: 900,
    maxDeliveryAttempts: { min: 1, max: 1000, default: 5 },
    maxVisibilityTimeoutSeconds: 43_200,
    maxTriggerBatchSize: 10_000,
  },
  // 10,000 parts of at most 5 GiB each.
  store: { maxKeyBytes: 1024, maxMetadataBytes: 2_048, maxObjectBytes: 53_687_091_200_000 },
  function: {
    maxTimeoutSeconds: 900,
    maxHttpTimeoutSeconds: 900,
    maxEventBytes: 1_048_576,
    eventRetries: { min: 0, max: 2, default: 2 },
  },
  sources: {
    'queue.maxMessageBytes':
      'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html',
    'queue.maxAttributes':
      'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html',
    'queue.maxAttributesBytes':
      'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html' +
      ' (attributes count towards the message size)',
    'queue.attributeOverheadBytes':
      'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html' +
      ' (name, data type and value all count towards the message size; the type is "String")',
    'queue.maxBatchEntries':
      'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html',
    'queue.maxBatchBytes':
      'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html (the sum of all entries)',
    'queue.maxDelaySeconds':
      'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html',
    'queue.maxDeliveryAttempts':
      'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html (maxReceiveCount 1-1000; a redrive policy is optional, so SQS has no default: the default here is that of cloudport queues, QueueOptions.maxAttempts)',
    'queue.maxVisibilityTimeoutSeconds':
      'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html (12 hours)',
    'queue.maxTriggerBatchSize':
      'https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-parameters.html (10 for FIFO)',
    'store.maxKeyBytes': 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html',
    'store.maxMetadataBytes':
      'https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html',
    'store.maxObjectBytes':
      'https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingObjects.html ("up to 50 TB": 10,000 multipart parts of 5 GiB)',
    'function.maxTimeoutSeconds':
      'https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html',
    'function.maxHttpTimeoutSeconds':
      'https://docs.aws.amazon.com/lambda/latest/dg/urls-configuration.html (Function URLs run to the function timeout; API Gateway HTTP API integrations stop at 30 s: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html)',
    'function.maxEventBytes':
      'https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html (asynchronous payload)',
    'function.eventRetries':
      'https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionEventInvokeConfig.html',
  },
};

/** GCP: Pub/Sub, Cloud Storage and Cloud Run functions (2nd gen). */
export const GCP_LIMITS: ProviderLimits = {
  provider: 'gcp',
  queue: {
    maxMessageBytes: 10_000_000,
    maxAttributes: 100,
    maxAttributesBytes: 128_000, // 100 × (256 + 1,024)
    attributeOverheadBytes: 0,
    maxBatchEntries: 1000,
    maxBatchBytes: 10_000_000,
    maxDelaySeconds: 0,
    maxDeliveryAttempts: { min: 5, max: 100, default: 5 },
    maxVisibilityTimeoutSeconds: 600,
    maxTriggerBatchSize: 1,
  },
  store: { maxKeyBytes: 1024, maxMetadataBytes: 8_192, maxObjectBytes: 5_497_558_138_880 },
  function: {
    maxTimeoutSeconds: 540,
    maxHttpTimeoutSeconds: 3600,
    // Events delivered through Eventarc; whether Pub/Sub-sourced triggers share it is unverified.
    maxEventBytes: 524_288, // 512 KiB
    eventRetries: { min: 0, max: Infinity, default: 0 },
  },
  sources: {
    'queue.maxMessageBytes': 'https://cloud.google.com/pubsub/quotas#resource_limits',
    'queue.maxAttributes': 'https://cloud.google.com/pubsub/quotas#resource_limits',
    'queue.maxAttributesBytes':
      'https://cloud.google.com/pubsub/quotas#resource_limits (100 attributes of 256-byte keys and 1,024-byte values)',
    'queue.attributeOverheadBytes':
      'https://cloud.google.com/pubsub/quotas#resource_limits' +
      ' (attributes are counted by their keys and values)',
    'queue.maxBatchEntries': 'https://cloud.google.com/pubsub/quotas#resource_limits',
    'queue.maxBatchBytes':
      'https://cloud.google.com/pubsub/quotas#resource_limits (publish request size)',
    'queue.maxDelaySeconds': 'Pub/Sub has no per-message delay',
    'queue.maxDeliveryAttempts': 'https://cloud.google.com/pubsub/docs/handling-failures',
    'queue.maxVisibilityTimeoutSeconds': 'https://cloud.google.com/pubsub/docs/lease-management',
    'queue.maxTriggerBatchSize': 'Eventarc push delivers one message per request',
    'store.maxKeyBytes': 'https://cloud.google.com/storage/docs/objects#naming',
    'store.maxMetadataBytes': 'https://cloud.google.com/storage/quotas#objects',
    'store.maxObjectBytes': 'https://cloud.google.com/storage/quotas#objects (5 TiB)',
    'function.maxTimeoutSeconds':
      'https://cloud.google.com/functions/docs/configuring/timeout (9 minutes for event-driven functions; the quotas page gives 60 minutes for both kinds, unverified)',
    'function.maxHttpTimeoutSeconds':
      'https://cloud.google.com/functions/docs/configuring/timeout (60 minutes for HTTP functions)',
    'function.maxEventBytes':
      'https://cloud.google.com/functions/quotas (Eventarc events; unverified for Pub/Sub triggers)',
    'function.eventRetries':
      'https://cloud.google.com/functions/docs/bestpractices/retries (retried until acknowledged within the retention window when the retry policy is set; dropped when it is not)',
  },
};

/** Azure: Service Bus (Standard tier), Blob Storage and Azure Functions (Consumption). */
export const AZURE_LIMITS: ProviderLimits = {
  provider: 'azure',
  queue: {
    maxMessageBytes: 262_144, // 256 KiB
    maxAttributes: Infinity,
    maxAttributesBytes: 65_536,
    attributeOverheadBytes: 0,
    maxBatchEntries: 4500,
    maxBatchBytes: 262_144,
    maxDelaySeconds: Infinity,
    maxDeliveryAttempts: { min: 1, max: 2000, default: 10 },
    maxVisibilityTimeoutSeconds: 300,
    // The host's default maxMessageBatchSize; host.json can raise it.
    maxTriggerBatchSize: 1000,
  },
  store: {
    maxKeyBytes: 1024,
    maxMetadataBytes: 8_192,
    maxObjectBytes: 209_715_200_000_000,
  },
  function: {
    maxTimeoutSeconds: 600,
    maxHttpTimeoutSeconds: 230,
    maxEventBytes: 1_048_576,
    // Event Grid makes 1 to 30 delivery attempts, 30 by default: up to 29 retries.
    eventRetries: { min: 0, max: 29, default: 29 },
  },
  sources: {
    'queue.maxMessageBytes':
      'https://learn.microsoft.com/azure/service-bus-messaging/service-bus-quotas (Standard; Premium is set per entity)',
    'queue.maxAttributes':
      'https://learn.microsoft.com/azure/service-bus-messaging/service-bus-quotas (no count limit; properties share the 64 KB header)',
    'queue.maxAttributesBytes':
      'https://learn.microsoft.com/azure/service-bus-messaging/service-bus-quotas (header size)',
    'queue.attributeOverheadBytes':
      'unverified: the header limit applies to the AMQP-encoded properties, whose encoding ' +
      'adds bytes per property that are not counted here',
    'queue.maxBatchEntries':
      'unverified: a count cap we apply to one ServiceBusMessageBatch; the batch byte size ' +
      'is what the service enforces',
    'queue.maxBatchBytes':
      'https://learn.microsoft.com/azure/service-bus-messaging/service-bus-quotas (a batch is held to the message size of the tier)',
    'queue.maxDelaySeconds':
      'https://learn.microsoft.com/azure/service-bus-messaging/message-sequencing (scheduled messages; no upper bound documented)',
    'queue.maxDeliveryAttempts':
      'https://learn.microsoft.com/azure/service-bus-messaging/service-bus-dead-letter-queues',
    'queue.maxVisibilityTimeoutSeconds':
      'https://learn.microsoft.com/azure/service-bus-messaging/message-transfers-locks-settlement (lock duration)',
    'queue.maxTriggerBatchSize':
      'https://learn.microsoft.com/azure/azure-functions/functions-bindings-service-bus#hostjson-settings (maxMessageBatchSize, default 1000)',
    'store.maxKeyBytes':
      'https://learn.microsoft.com/rest/api/storageservices/naming-and-referencing-containers--blobs--and-metadata',
    'store.maxMetadataBytes':
      'https://learn.microsoft.com/rest/api/storageservices/setting-and-retrieving-properties-and-metadata-for-blob-resources',
    'store.maxObjectBytes':
      'https://learn.microsoft.com/azure/storage/blobs/scalability-targets (block blob: 50,000 blocks of 4,000 MiB, about 190.7 TiB)',
    'function.maxTimeoutSeconds':
      'https://learn.microsoft.com/azure/azure-functions/functions-scale#timeout (Consumption; HTTP capped at 230 s)',
    'function.maxHttpTimeoutSeconds':
      'https://learn.microsoft.com/azure/azure-functions/functions-scale#timeout (the load balancer ends HTTP requests after 230 s)',
    'function.maxEventBytes':
      'https://learn.microsoft.com/azure/event-grid/quotas-limits (unverified for Service Bus triggers)',
    'function.eventRetries':
      'https://learn.microsoft.com/azure/event-grid/delivery-and-retry (Event Grid: 1 to 30 delivery attempts, 30 by default)',
  },
};

/** The limits of every known provider, by profile name. */
export const PROVIDER_LIMITS: Readonly<Record<LimitProfile, ProviderLimits>> = {
  aws: AWS_LIMITS,
  gcp: GCP_LIMITS,
  azure: AZURE_LIMITS,
};
