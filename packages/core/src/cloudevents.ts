import { CloudEvent } from 'cloudevents';
import type { NeutralEvent } from './events.js';

/** CloudEvent `type` of each neutral event. */
export const CLOUDEVENT_TYPES = {
  'object.created': 'dev.cloudport.object.created',
  'object.deleted': 'dev.cloudport.object.deleted',
  message: 'dev.cloudport.message',
  schedule: 'dev.cloudport.schedule',
} as const;

/** Options of {@link toCloudEvent}. */
export interface ToCloudEventOptions {
  /** Overrides the `source`; defaults to `/buckets/<name>`, `/queues/<name>` or `/schedules`. */
  source?: string;
}

/**
 * Expresses a neutral event as a validated CloudEvent 1.0: object facts as JSON data with the
 * key as `subject`, message bodies as data (bytes as `data_base64`), `raw` left out.
 *
 * @example
 * const cloudEvent = toCloudEvent(event);
 * const json = JSON.stringify(cloudEvent); // structured mode
 */
export function toCloudEvent(
  event: NeutralEvent,
  options: ToCloudEventOptions = {},
): CloudEvent<unknown> {
  const type = event.type === 'message' ? CLOUDEVENT_TYPES.message : CLOUDEVENT_TYPES[event.type];
  const base = { id: event.id, type, time: event.time, specversion: '1.0' as const };
  if (event.type === 'message') {
    const source = options.source ?? `/queues/${event.queue}`;
    const bytes = event.body instanceof Uint8Array;
    return new CloudEvent({
      ...base,
      source,
      subject: event.messageId,
      datacontenttype: bytes ? 'application/octet-stream' : 'application/json',
      ...(bytes
        ? { data_base64: Buffer.from(event.body as Uint8Array).toString('base64') }
        : { data: event.body }),
      ...(event.orderingKey ? { orderingkey: event.orderingKey } : {}),
    });
  }
  if (event.type === 'schedule') {
    const data = { schedule: event.schedule, pastDue: event.pastDue ?? false };
    return new CloudEvent({ ...base, source: options.source ?? '/schedules', data });
  }
  const { raw: _raw, type: _type, id: _id, ...data } = event;

  return new CloudEvent({
    ...base,
    source: options.source ?? `/buckets/${event.bucket}`,
    subject: event.key,
    datacontenttype: 'application/json',
    data,
  });
}
