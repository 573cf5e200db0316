import type { Fixture } from './fixtures.js';

/** The facts of a Cloud Storage object an event describes, as the JSON API names them. */
export interface ObjectResource {
  bucket: string;
  name: string;
  generation: string;
  size?: string;
  contentType?: string;
  updated?: string;
  [field: string]: unknown;
}

/**
 * The binary-mode request Eventarc sends for a Cloud Storage change, with the given id (a
 * redelivery repeats it).
 */
export function storageEvent(
  type: 'finalized' | 'deleted' | 'metadataUpdated',
  resource: ObjectResource,
  id: string,
): Fixture {
  const time = resource.updated ?? new Date().toISOString();

  return {
    mode: 'binary',
    headers: {
      'ce-id': id,
      'ce-type': `google.cloud.storage.object.v1.${type}`,
      'ce-source': `//storage.googleapis.com/projects/_/buckets/${resource.bucket}`,
      'ce-specversion': '1.0',
      'ce-subject': `objects/${encodeURIComponent(resource.name)}`,
      'ce-time': time,
      'ce-bucket': resource.bucket,
      'content-type': 'application/json',
    },
    body: { kind: 'storage#object', metageneration: '1', ...resource },
  };
}

/** A Pub/Sub message as a push delivery carries it. */
export interface PublishedFacts {
  projectId: string;
  topic: string;
  messageId: string;
  data: Uint8Array;
  attributes?: Record<string, string>;
  orderingKey?: string;
  publishTime?: string;
  deliveryAttempt?: number;
}

/** The binary-mode request Eventarc sends for a Pub/Sub message. */
export function publishedEvent(facts: PublishedFacts): Fixture {
  const publishTime = facts.publishTime ?? new Date().toISOString();

  return {
    mode: 'binary',
    headers: {
      'ce-id': facts.messageId,
      'ce-type': 'google.cloud.pubsub.topic.v1.messagePublished',
      'ce-source': `//pubsub.googleapis.com/projects/${facts.projectId}/topics/${facts.topic}`,
      'ce-specversion': '1.0',
      'ce-time': publishTime,
      'content-type': 'application/json',
    },
    body: {
      message: {
        data: Buffer.from(facts.data).toString('base64'),
        messageId: facts.messageId,
        publishTime,
        ...(facts.attributes ? { attributes: facts.attributes } : {}),
        ...(facts.orderingKey ? { orderingKey: facts.orderingKey } : {}),
      },
      subscription: `projects/${facts.projectId}/subscriptions/eventarc-${facts.topic}`,
      ...(facts.deliveryAttempt ? { deliveryAttempt: facts.deliveryAttempt } : {}),
    },
  };
}
