import type {
  CapabilityDeclaration,
  FeatureId,
  FeatureSupport,
  LimitProfile,
} from '@cloudport/core';

const DEDUPLICATION: FeatureSupport = {
  support: 'partial',
  note: 'ids are remembered for 5 minutes within one process, and while the message waits',
};

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
    'queue.deduplication': DEDUPLICATION,
    'queue.redelivery': { support: 'yes' },
    'queue.stale-settle': { support: 'yes' },
    'queue.dead-letter': { support: 'yes' },
  },
};

/** Options of {@link localCapabilities}. */
export interface LocalCapabilityOptions {
  /**
   * With the `aws` profile: whether the queue simulates an SQS FIFO queue (`fifo: true` of
   * `openLocalQueue`). Left out, the declaration covers both kinds, each feature partly.
   */
  fifo?: boolean;
}

type Overrides = Partial<Record<FeatureId, FeatureSupport>>;

// Where a provider's store or queue differs from the plain local one, the notes follow the
// capability declarations of @cloudport/aws, @cloudport/gcp and @cloudport/azure.
const PROFILE_OVERRIDES: Record<LimitProfile, Overrides> = {
  aws: {
    'store.metadata': {
      support: 'yes',
      note: '2 KB of user metadata; names are HTTP tokens and come back lower-cased',
    },
    'queue.batch-send': { support: 'yes', note: 'split to 10 entries and 1 MiB' },
    'queue.attributes': { support: 'yes', note: 'up to 10, with SQS attribute names' },
  },
  gcp: {
    'store.metadata': { support: 'yes', note: '8 KiB of user metadata' },
    'queue.attributes': {
      support: 'yes',
      note: 'up to 100; names starting with `goog` are reserved',
    },
    'queue.delay': { support: 'no', note: 'Pub/Sub has no per-message delay' },
    'queue.deduplication': {
      support: 'no',
      note: 'Pub/Sub has no deduplication id at publish; handlers dedupe on the message id',
    },
    'queue.dead-letter': { support: 'yes', note: 'maxAttempts from 5 to 100, as on Pub/Sub' },
  },
  azure: {
    'store.metadata': {
      support: 'yes',
      note: 'metadata names must be C# identifiers and values ASCII',
    },
    'queue.delay': { support: 'yes', note: 'scheduled enqueue time' },
  },
};

const AWS_QUEUE_KINDS: Record<'standard' | 'fifo' | 'either', Overrides> = {
  standard: {
    'queue.delay': { support: 'yes', note: 'whole seconds, up to 900 s' },
    'queue.ordering-key': { support: 'no', note: 'standard SQS queues; pass fifo: true' },
    'queue.deduplication': { support: 'no', note: 'standard SQS queues; pass fifo: true' },
  },
  fifo: {
    'queue.delay': { support: 'no', note: 'SQS delays FIFO messages only queue-wide' },
    'queue.ordering-key': { support: 'yes', note: 'the message group of a FIFO queue' },
    'queue.deduplication': DEDUPLICATION,
  },
  either: {
    'queue.delay': {
      support: 'partial',
      note: 'standard queues only, up to 900 s; FIFO queues (fifo: true) raise UNSUPPORTED',
    },
    'queue.ordering-key': { support: 'partial', note: 'FIFO queues only (fifo: true)' },
    'queue.deduplication': {
      support: 'partial',
      note: 'FIFO queues only (fifo: true), remembered for 5 minutes within one process',
    },
  },
};

/**
 * The capability declaration of the local store and queue under a provider profile: what
 * the simulated provider supports, as its own adapter declares it. Without a profile it is
 * {@link LOCAL_CAPABILITIES}.
 *
 * @example
 * const declared = localCapabilities('aws', { fifo: true });
 * declared.features['queue.delay'].support; // 'no'
 */
export function localCapabilities(
  profile?: LimitProfile,
  options: LocalCapabilityOptions = {},
): CapabilityDeclaration {
  if (profile === undefined) return LOCAL_CAPABILITIES;
  const kind = options.fifo === undefined ? 'either' : options.fifo ? 'fifo' : 'standard';
  const queue = profile === 'aws' ? AWS_QUEUE_KINDS[kind] : {};
  const features = { ...LOCAL_CAPABILITIES.features, ...PROFILE_OVERRIDES[profile], ...queue };

  return {
    implementation: `local-${profile}`,
    title: `Local (${profile} profile)`,
    features: features as CapabilityDeclaration['features'],
  };
}
