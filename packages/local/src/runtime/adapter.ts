import {
  type Adapter,
  type Decoded,
  InvalidEventError,
  type MessageEvent,
  type NeutralEvent,
  type ObjectEvent,
  type PipelineFunction,
  type QueueRef,
  type ReceivedMessage,
  type ResourceResolver,
  type Settled,
} from '@cloudport/core';
import { LOCAL_CAPABILITIES } from '../capabilities.js';
import { EVENT_ID_ATTRIBUTE } from './dead-letters.js';

/** What the local runtime hands its adapter: one delivery of work for one function. */
export type LocalInput =
  | { kind: 'messages'; queue: QueueRef<unknown>; messages: ReceivedMessage<unknown>[] }
  | { kind: 'events'; messages: ReceivedMessage<unknown>[] }
  | { kind: 'event'; event: NeutralEvent }
  | { kind: 'http'; id: string; request: () => Request };

/**
 * The local runtime's adapter: queue deliveries become message events, stored object and
 * schedule events are checked and passed on, and the settled units come back unchanged for
 * the runtime to complete, retry or dead-letter each delivery.
 */
export function createLocalAdapter(resolver: ResourceResolver): Adapter<LocalInput, Settled[]> {
  return {
    name: 'local',
    capabilities: LOCAL_CAPABILITIES,
    decode: (fn, input) => decodeLocal(fn, input),
    encode: (_fn, settled) => settled,
    bind: () => resolver,
  };
}

function decodeLocal(fn: PipelineFunction, input: LocalInput): Decoded[] {
  switch (input.kind) {
    case 'messages':
      return input.messages.map((message) => toMessageUnit(input.queue, message));
    case 'events':
      return input.messages.map((message) => toStoredEventUnit(fn, message));
    case 'event':
      return [toEventUnit(fn, input.event, input.event?.id)];
    case 'http':
      return [{ id: input.id, request: input.request }];
  }
}

function toMessageUnit(queue: QueueRef<unknown>, message: ReceivedMessage<unknown>): Decoded {
  // A replayed message names the event it replays; see replayDeadLetters.
  const replayed = message.attributes[EVENT_ID_ATTRIBUTE];
  const event: MessageEvent<unknown> = {
    type: 'message',
    id: replayed ?? message.messageId,
    queue: queue.name,
    messageId: message.messageId,
    body: message.body,
    attributes: replayed === undefined ? message.attributes : withoutEventId(message.attributes),
    deliveryCount: message.deliveryCount,
    orderingKey: message.orderingKey,
    time: message.sentAt.toISOString(),
    raw: message,
  };

  return { id: event.id, event, orderingKey: message.orderingKey };
}

function withoutEventId(attributes: Record<string, string>): Record<string, string> {
  const { [EVENT_ID_ATTRIBUTE]: _replayed, ...rest } = attributes;

  return rest;
}

function toStoredEventUnit(fn: PipelineFunction, message: ReceivedMessage<unknown>): Decoded {
  return toEventUnit(fn, message.body as NeutralEvent, message.messageId);
}

function toEventUnit(fn: PipelineFunction, candidate: NeutralEvent, fallbackId: string): Decoded {
  try {
    const event = checkEvent(fn, candidate);
    return { id: event.id, event };
  } catch (error) {
    if (!(error instanceof InvalidEventError)) throw error;
    return { id: fallbackId || 'invalid-event', error, raw: candidate };
  }
}

/** Checks that an event fits the function's trigger; `INVALID_EVENT` names what is wrong. */
export function checkEvent(fn: PipelineFunction, event: NeutralEvent): NeutralEvent {
  const trigger = fn.trigger;
  const fail = (what: string) =>
    new InvalidEventError(`Event for function ${JSON.stringify(fn.name)} ${what}.`, {
      provider: 'local',
    });
  if (!event || typeof event !== 'object') throw fail('is not an object');
  if (typeof event.id !== 'string' || event.id === '') throw fail('has no string "id"');
  if (typeof event.time !== 'string' || Number.isNaN(Date.parse(event.time))) {
    throw fail('has no ISO 8601 "time"');
  }
  if (trigger.kind === 'object') {
    const expected = `object.${trigger.event}`;
    if (event.type !== expected)
      throw fail(`has type ${JSON.stringify(event.type)}, not ${expected}`);
    const object = event as ObjectEvent;
    if (typeof object.key !== 'string') throw fail('has no string "key"');
    if (object.bucket !== trigger.bucket.name) {
      throw fail(`is for bucket ${JSON.stringify(object.bucket)}, not ${trigger.bucket.name}`);
    }
    return object;
  }
  if (trigger.kind === 'queue') {
    if (event.type !== 'message') throw fail(`has type ${JSON.stringify(event.type)}, not message`);
    if (typeof event.messageId !== 'string') throw fail('has no string "messageId"');
    if (event.queue !== trigger.queue.name) {
      throw fail(`is for queue ${JSON.stringify(event.queue)}, not ${trigger.queue.name}`);
    }
    return { ...event, attributes: event.attributes ?? {} };
  }
  if (trigger.kind === 'schedule') {
    if (event.type !== 'schedule')
      throw fail(`has type ${JSON.stringify(event.type)}, not schedule`);
    return event;
  }

  throw fail('cannot be given to an HTTP function; send it a request instead');
}
