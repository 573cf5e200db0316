/** Facts about an object that was created or deleted; the content is read through the store. */
export interface ObjectEvent {
  type: 'object.created' | 'object.deleted';
  /** Stable across redeliveries of the same platform event. */
  id: string;
  /** The bucket's logical name. */
  bucket: string;
  /** The decoded object key. */
  key: string;
  /** Size in bytes; absent for deletes and where the platform does not say. */
  size?: number | undefined;
  etag?: string | undefined;
  contentType?: string | undefined;
  /** Object version or generation, when the platform reports one. */
  version?: string | undefined;
  /** ISO 8601 time of the change. */
  time: string;
  /** The provider's original event (or record), untouched. */
  raw: unknown;
}

/** One queue message; the handler gets one at a time and settles each on its own. */
export interface MessageEvent<T = unknown> {
  type: 'message';
  /** Stable across redeliveries: the provider's message id. */
  id: string;
  /** The queue's logical name. */
  queue: string;
  messageId: string;
  /** The body decoded by the queue's declared kind. */
  body: T;
  attributes: Record<string, string>;
  /** 1 on first delivery; absent where the platform does not count deliveries. */
  deliveryCount?: number | undefined;
  orderingKey?: string | undefined;
  /** ISO 8601 time the message was sent. */
  time: string;
  raw: unknown;
}

/** One firing of a schedule. */
export interface ScheduleEvent {
  type: 'schedule';
  /** Stable across retries of the same firing. */
  id: string;
  /** The schedule as declared: a cron expression or a rate. */
  schedule: string;
  /** ISO 8601 time the firing was due. */
  time: string;
  /** True when the firing runs late, for example after the runtime was down. */
  pastDue?: boolean | undefined;
  raw: unknown;
}

/** Any event a non-HTTP handler can receive. */
export type NeutralEvent = ObjectEvent | MessageEvent<unknown> | ScheduleEvent;

/** Turns an event into JSON-safe data: byte bodies become `{ base64 }`, `raw` is kept. */
export function toJsonEvent(event: NeutralEvent): Record<string, unknown> {
  if (event.type !== 'message' || !(event.body instanceof Uint8Array)) return { ...event };

  return { ...event, body: { base64: Buffer.from(event.body).toString('base64') } };
}
