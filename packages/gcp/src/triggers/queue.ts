import type { BodyKind } from '@cloudport/core';
import {
  type Decoded,
  decodeBody,
  InvalidEventError,
  type MessageEvent,
  type QueueTrigger,
} from '@cloudport/core';
import { userAttributes } from '../queue/wire.js';
import { type CloudEventLike, invalid } from './cloud-event.js';
import { type PublishedMessage, readPublished } from './pubsub-envelope.js';

/** What decoding a message event needs to know about its function. */
export interface QueueTarget {
  trigger: QueueTrigger;
  /** The topic id bound to the trigger's queue. */
  topic: string;
}

/**
 * Decodes a Pub/Sub `messagePublished` CloudEvent (or a raw push body) into one message event.
 *
 * The data is base64 of the body's bytes and is decoded by the queue's declared kind: JSON and
 * text as UTF-8, bytes as they are. The id is the Pub/Sub message id, the same on every
 * redelivery. The delivery count is Pub/Sub's `deliveryAttempt`, which it sets only on
 * subscriptions with a dead-letter policy; otherwise it is absent. cloudport's own attributes
 * are removed. A message that does not decode, or that comes from another topic than the one
 * bound to the queue, is an `INVALID_EVENT` unit: dead-lettered when the function binds a
 * dead-letter queue, otherwise failed so that the subscription's dead-letter policy takes it.
 */
export function decodeQueueEvent(target: QueueTarget, event: CloudEventLike): Decoded[] {
  try {
    const message = readPublished(event);
    const { queue } = target.trigger;
    if (message.topic !== undefined && message.topic !== target.topic) {
      throw invalid(
        `Message ${message.messageId} comes from topic ${message.topic}, but queue ` +
          `${JSON.stringify(queue.name)} is bound to topic ${target.topic}.`,
      );
    }
    const decoded: MessageEvent<unknown> = {
      type: 'message',
      id: message.messageId,
      queue: queue.name,
      messageId: message.messageId,
      body: bodyOf(queue.name, queue.body, message),
      attributes: userAttributes(message.attributes),
      deliveryCount: message.deliveryAttempt,
      orderingKey: message.orderingKey,
      time: message.publishTime,
      raw: event,
    };

    return [{ id: decoded.id, event: decoded, orderingKey: decoded.orderingKey }];
  } catch (error) {
    if (!(error instanceof InvalidEventError)) throw error;
    return [{ id: event.id, error, raw: event }];
  }
}

function bodyOf(queue: string, kind: BodyKind, message: PublishedMessage): unknown {
  try {
    return decodeBody(kind, message.data);
  } catch (error) {
    if (!(error instanceof InvalidEventError)) throw error;
    throw invalid(`Message ${message.messageId} on queue ${queue}: ${error.message}`, error);
  }
}
