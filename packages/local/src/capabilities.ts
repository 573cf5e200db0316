import type { CapabilityDeclaration } from '@cloudport/core';

/** What the local runtime, its filesystem store and its durable queue support. */
export const LOCAL_CAPABILITIES: CapabilityDeclaration = {
  implementation: 'local',
  title: 'Local',
  features: {
    'trigger.object-created': { support: 'yes' },
    'trigger.object-deleted': { support: 'yes' },
    'trigger.queue': { support: 'yes' },
    'trigger.http': { support: 'yes', note: 'served by `cloudport dev` on a local port' },
    'trigger.schedule': {
      support: 'yes',
      note: 'fires in `cloudport dev`, not in `cloudport run`',
    },
    'outcome.retry': { support: 'yes' },
    'outcome.dead-letter': { support: 'yes' },
    'outcome.per-message': { support: 'yes' },
    'store.range-read': { support: 'yes' },
    'store.stream-write': { support: 'yes' },
    'store.metadata': { support: 'yes' },
    'store.create-only': { support: 'yes' },
    'store.if-match': { support: 'yes' },
    'store.list': { support: 'yes' },
    'store.copy': { support: 'yes' },
    'store.signed-url': { support: 'no', note: 'a folder on disk has no URLs to sign' },
    'queue.batch-send': { support: 'yes' },
    'queue.attributes': { support: 'yes' },
    'queue.delay': { support: 'yes' },
    'queue.ordering-key': { support: 'yes' },
    'queue.deduplication': {
      support: 'partial',
      note: 'ids are remembered for 5 minutes within one process, and while the message waits',
    },
    'queue.redelivery': { support: 'yes' },
    'queue.dead-letter': { support: 'yes' },
  },
};
