import { GCP_LIMITS, type ProviderLimits } from '@cloudport/core';

/**
 * The most bytes @google-cloud/pubsub puts in one publish request (`BATCH_LIMITS.maxBytes` of
 * its publisher, 9 MiB), below the 10 MB the Pub/Sub API accepts; larger `batching.maxBytes`
 * are clamped to it.
 */
export const PUBSUB_CLIENT_MAX_BATCH_BYTES = 9_437_184;

/**
 * The limits the Pub/Sub queue enforces: `GCP_LIMITS`, with the batch bytes held to what the
 * client library sends in one request. Pass these to the queue conformance suite; the API's
 * own 10 MB stays in `GCP_LIMITS`, which the local runtime simulates.
 */
export const PUBSUB_QUEUE_LIMITS: ProviderLimits = {
  ...GCP_LIMITS,
  queue: { ...GCP_LIMITS.queue, maxBatchBytes: PUBSUB_CLIENT_MAX_BATCH_BYTES },
  sources: {
    ...GCP_LIMITS.sources,
    'queue.maxBatchBytes':
      'https://github.com/googleapis/nodejs-pubsub/blob/main/src/publisher/index.ts ' +
      '(BATCH_LIMITS.maxBytes, 9 MiB: the client cap on one publish request; the API takes ' +
      '10 MB, https://cloud.google.com/pubsub/quotas#resource_limits)',
  },
};
