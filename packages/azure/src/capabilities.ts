import type { CapabilityDeclaration } from '@cloudport/core';

/** What the Azure adapter, its Blob store and its Service Bus queue support, feature by feature. */
export const AZURE_CAPABILITIES: CapabilityDeclaration = {
  implementation: 'azure',
  title: 'Azure',
  features: {
    'trigger.object-created': {
      support: 'yes',
      note:
        'Event Grid `Microsoft.Storage.BlobCreated` (Event Grid or CloudEvents schema); the blob ' +
        'trigger is an option that reads the whole blob into memory',
    },
    'trigger.object-deleted': {
      support: 'yes',
      note: 'Event Grid `Microsoft.Storage.BlobDeleted`; the blob trigger cannot see deletes',
    },
    'trigger.queue': {
      support: 'yes',
      note:
        'Service Bus queue trigger, one message per invocation; attribute names sent by ' +
        "cloudport's queue are restored after the v4 library lower-cases their first letter",
    },
    'trigger.http': {
      support: 'yes',
      note: "routes under `/api/<function>`; auth level `function` unless set to 'anonymous'",
    },
    'trigger.schedule': {
      support: 'partial',
      note:
        'NCRONTAB timer; a rate that does not divide an hour or a day restarts at each ' +
        'hour, day or month boundary',
    },
    'outcome.retry': {
      support: 'yes',
      note: 'Service Bus abandon; Event Grid redelivery; timers only with a host retry policy',
    },
    'outcome.dead-letter': {
      support: 'yes',
      note:
        'without a bound queue, abandons: the handler reruns up to MaxDeliveryCount (default ' +
        "10), then the subqueue says MaxDeliveryCountExceeded; with cardinality 'many' a failed " +
        'batch forwards its dead letters again on each redelivery',
    },
    'outcome.per-message': {
      support: 'yes',
      note: "one message per invocation; with cardinality 'many' one failure abandons the batch",
    },
    'store.range-read': { support: 'yes' },
    'store.stream-write': { support: 'yes' },
    'store.metadata': {
      support: 'yes',
      note: 'metadata names must be C# identifiers and values ASCII',
    },
    'store.create-only': { support: 'yes' },
    'store.if-match': { support: 'yes' },
    'store.list': { support: 'yes' },
    'store.copy': { support: 'yes', note: 'server-side copy within the storage account' },
    'store.signed-url': {
      support: 'partial',
      note:
        'service SAS from a shared key; clients signed in with a token credential get ' +
        'UNSUPPORTED',
    },
    'queue.batch-send': { support: 'yes', note: 'batches as large as the link allows' },
    'queue.attributes': {
      support: 'yes',
      note:
        'application properties; original names travel in a reserved property, and names that ' +
        'differ only in the case of the first letter are refused',
    },
    'queue.delay': { support: 'yes', note: 'scheduled enqueue time' },
    'queue.ordering-key': {
      support: 'partial',
      note:
        'the key becomes the session id; ordered only on a session-enabled queue read by a ' +
        'session-aware trigger, where every send needs a key',
    },
    'queue.deduplication': {
      support: 'partial',
      note:
        'the id becomes the message id; duplicates are dropped only on queues created with ' +
        'duplicate detection, within its window',
    },
    'queue.redelivery': { support: 'yes' },
    'queue.stale-settle': { support: 'yes', note: 'Service Bus reports the lock as lost' },
    'queue.dead-letter': {
      support: 'yes',
      note: "the entity's MaxDeliveryCount and its dead-letter subqueue",
    },
  },
};
