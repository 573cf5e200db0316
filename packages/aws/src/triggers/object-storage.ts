import {
  bindingVariable,
  type Decoded,
  InvalidEventError,
  matchesFilter,
  type ObjectEvent,
  type ObjectTrigger,
  type PipelineFunction,
} from '@cloudport/core';
import type { AwsBindingView } from '../binding.js';
import type { S3NotificationRecord } from '../events.js';
import { recordsOf } from './shared.js';

const CREATED = 'ObjectCreated:';
const REMOVED = 'ObjectRemoved:';
// S3 has used 2.1, 2.2 and 2.3 per event type, and one rising 2.x version for all since 2.4.
const VERSION_2 = /^2\.\d+$/;

/**
 * Turns an S3 event notification into one object event per record. A record that is not for
 * this function (another bucket, the other event type, a key outside the trigger's filters)
 * or that is malformed becomes an `INVALID_EVENT` unit on its own; the other records proceed.
 */
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
export function decodeObjectEvent(
  fn: PipelineFunction<ObjectTrigger>,
  input: unknown,
  view: AwsBindingView,
): Decoded[] {
  const records = recordsOf<S3NotificationRecord>(input, fn, 'an S3 event notification');
  const units: Decoded[] = [];
  for (let index = 0; index < records.length; index++) {
    const record = records[index];
    try {
      const event = toObjectEvent(fn, record, view);
      units.push({ id: event.id, event });
    } catch (error) {
      if (!(error instanceof InvalidEventError)) throw error;
      units.push({ id: `record-${index}`, error, raw: record });
    }
  }

  return units;
}

/** Decodes an S3 object key from the form encoding of event notifications. */
export function decodeS3Key(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, ' '));
}

function toObjectEvent(
  fn: PipelineFunction<ObjectTrigger>,
  record: S3NotificationRecord | undefined,
  view: AwsBindingView,
): ObjectEvent {
  const trigger = fn.trigger;
  const object = record?.s3?.object;
  const physical = record?.s3?.bucket?.name;
  if (record?.eventSource !== 'aws:s3')
    throw invalidRecord(fn, `has eventSource ${show(record?.eventSource)}`);
  if (!VERSION_2.test(record.eventVersion ?? '')) {
    throw invalidRecord(fn, `has eventVersion ${show(record.eventVersion)}, not a 2.x version`);
  }
  const type = eventType(record.eventName);
  if (type === undefined) throw invalidRecord(fn, `has eventName ${show(record.eventName)}`);
  if (type !== `object.${trigger.event}`) {
    throw invalidRecord(
      fn,
      `is ${record.eventName}, but the function fires on ${trigger.event} objects`,
    );
  }
  if (typeof physical !== 'string') throw invalidRecord(fn, 'has no s3.bucket.name');
  const bound = view.bucketNameOf(trigger.bucket.name);
  if (bound === undefined) {
    const variable = bindingVariable('bucket', trigger.bucket.name);
    throw invalidRecord(fn, `is for bucket ${physical}, but ${variable} is not set`);
  }
  if (bound !== physical) {
    throw invalidRecord(
      fn,
      `is for bucket ${physical}, which is not bound to ${trigger.bucket.name}`,
    );
  }
  if (typeof object?.key !== 'string' || object.key === '')
    throw invalidRecord(fn, 'has no s3.object.key');
  if (typeof record.eventTime !== 'string' || !/^\d{4}-/.test(record.eventTime)) {
    throw invalidRecord(fn, `has eventTime ${show(record.eventTime)}`);
  }
  const key = decodeKey(fn, object.key);
  if (!matchesFilter(trigger, key)) {
    throw invalidRecord(
      fn,
      `names key ${show(key)}, outside the trigger's prefix and suffix filters`,
    );
  }

  return {
    type,
    id: eventId(physical, object.key, record),
    bucket: trigger.bucket.name,
    key,
    size: sizeOf(fn, object.size),
    etag: object.eTag ? `"${object.eTag.replace(/^"|"$/g, '')}"` : undefined,
    version: object.versionId || undefined,
    time: record.eventTime,
    raw: record,
  };
}

function eventType(name: unknown): ObjectEvent['type'] | undefined {
  if (typeof name !== 'string') return undefined;
  if (name.startsWith(CREATED)) return 'object.created';

  return name.startsWith(REMOVED) ? 'object.deleted' : undefined;
}

/**
 * The event id joins what identifies the change itself: the bucket, the key as S3 sent it,
 * the version, the sequencer (unique per change of one key) and the event name. Lambda's
 * retries resend the identical record, and a duplicate notification S3 sends for the same
 * change carries the same fields, so both keep the id. Records without a sequencer (such as
 * lifecycle events) fall back to the event time, which is also fixed once S3 emits the event.
 */
function eventId(bucket: string, key: string, record: S3NotificationRecord): string {
  const object = record.s3?.object;
  const change = object?.sequencer || record.eventTime;
  // Readable and cheap: hashing it costs more than the rest of decoding a record.
  return `s3:${bucket}:${record.eventName}:${change}:${object?.versionId ?? ''}:${key}`;
}

function decodeKey(fn: PipelineFunction, encoded: string): string {
  try {
    return decodeS3Key(encoded);
  } catch {
    throw invalidRecord(fn, `has key ${show(encoded)}, which is not valid form encoding`);
  }
}

function sizeOf(fn: PipelineFunction, size: unknown): number | undefined {
  if (size === undefined || size === null) return undefined;
  const value = typeof size === 'string' && /^\d+$/.test(size) ? Number(size) : size;
  if (Number.isSafeInteger(value) && (value as number) >= 0) return value as number;

  throw invalidRecord(fn, `has size ${show(size)}, not a byte count`);
}

function invalidRecord(fn: PipelineFunction, what: string): InvalidEventError {
  return new InvalidEventError(`S3 record for function ${JSON.stringify(fn.name)} ${what}.`, {
    provider: 'aws',
  });
}

function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}
