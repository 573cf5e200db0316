import type { CapabilityDeclaration } from '@cloudport/core';

/** What the GCP adapter, its Cloud Storage store and its Pub/Sub queue support. */
export const GCP_CAPABILITIES: CapabilityDeclaration = {
  implementation: 'gcp',
  title: 'GCP',
  features: {
    'trigger.object-created': {
      support: 'yes',
      note: 'Eventarc `finalized`; it also fires for copies and for overwrites',
    },
    'trigger.object-deleted': {
      support: 'partial',
      note:
        'Eventarc `deleted`; in a bucket without versioning Cloud Storage also sends it ' +
        'for the replaced generation on every overwrite, so a handler sees a delete ' +
        'of a key that still exists',
    },
    'trigger.queue': {
      support: 'yes',
      note: 'Pub/Sub push through Eventarc, one message per invocation',
    },
    'trigger.http': { support: 'yes' },
    'trigger.schedule': {
      support: 'partial',
      note:
        'Cloud Scheduler publishes to a Pub/Sub topic; the firing time is the publish time ' +
        'to the minute. A rate that does not divide an hour or a day restarts at each hour, ' +
        'day or month boundary',
    },
    'outcome.retry': {
      support: 'yes',
      note:
        'needs the trigger retry policy `RETRY_POLICY_RETRY`, which ' +
        'deploy sets; without it failed events are dropped',
    },
    'outcome.dead-letter': { support: 'yes' },
    'outcome.per-message': {
      support: 'yes',
      note: 'each message is an invocation of its own',
    },
    'store.range-read': { support: 'yes' },
    'store.stream-write': { support: 'yes', note: 'resumable uploads' },
    'store.metadata': { support: 'yes' },
    'store.create-only': { support: 'yes', note: '`ifGenerationMatch: 0`' },
    'store.if-match': { support: 'yes', note: 'the ETag is the object generation' },
    'store.list': { support: 'yes' },
    'store.copy': { support: 'yes' },
    'store.signed-url': {
      support: 'yes',
      note:
        'V4; needs a service-account key, or a runtime ' +
        'service account allowed to sign blobs as itself',
    },
    'queue.batch-send': {
      support: 'yes',
      note: 'split to 1,000 messages and 9 MiB, the client library cap (the API takes 10 MB)',
    },
    'queue.attributes': {
      support: 'yes',
      note: 'up to 100; names starting with `goog` are reserved',
    },
    'queue.delay': { support: 'no', note: 'Pub/Sub has no per-message delay' },
    'queue.ordering-key': {
      support: 'partial',
      note:
        'in order per key on pull subscriptions with message ordering; a pull may hand ' +
        'over several messages of one key at once. A queue trigger may not keep the ' +
        'order: ordering is a subscription setting, and the subscription Eventarc makes ' +
        'does not enable it (unverified)',
    },
    'queue.deduplication': {
      support: 'no',
      note: 'Pub/Sub has no deduplication id at publish; handlers dedupe on the message id',
    },
    'queue.redelivery': {
      support: 'yes',
      note: 'Pub/Sub counts deliveries only on subscriptions with a dead-letter policy',
    },
    'queue.stale-settle': {
      support: 'partial',
      note:
        'Pub/Sub accepts an expired ack id without effect; the pull queue refuses one only ' +
        'when the same queue object has since received a newer delivery of the message (it ' +
        'remembers the last 10,000 message ids)',
    },
    'queue.dead-letter': {
      support: 'yes',
      note: 'a subscription dead-letter policy allows 5 to 100 attempts',
    },
  },
};
