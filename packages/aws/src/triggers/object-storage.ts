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
// Deletes by a lifecycle rule; its transitions (LifecycleTransition) change no object's data.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-configure-notification.html
const EXPIRATIONS = ['LifecycleExpiration:Delete', 'LifecycleExpiration:DeleteMarkerCreated'];
/** The event names each trigger takes, as a message names them. */
const TAKES: Record<ObjectEvent['type'], string> = {
  'object.created': 'ObjectCreated:*',
  'object.deleted': 'ObjectRemoved:* and LifecycleExpiration:Delete or :DeleteMarkerCreated',
};
const QUOTE = 34;
const PLUS = 43;

/** What a function's object decoder knows from cold start on. */
interface ObjectBinding {
  fn: PipelineFunction<ObjectTrigger>;
  type: ObjectEvent['type'];
  /** The physical bucket the trigger's logical bucket is bound to, if it is bound. */
  bound: string | undefined;
  filtered: boolean;
  // The last eventVersion and eventName accepted: the records of one function nearly always
  // repeat them, and comparing is cheaper than checking again.
  version: string | undefined;
  name: string | undefined;
  /** The start of the ids of events with that name: `s3:<bound bucket>:<name>:`. */
  idPrefix: string;
}

/**
 * Makes the decoder of one function's S3 event notifications, its bucket binding looked up
 * once. It turns a notification into one object event per record. A record that is not for
 * this function (another bucket, the other event type, a key outside the trigger's filters)
 * or that is malformed becomes an `INVALID_EVENT` unit on its own; the other records proceed.
 */
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
export function createObjectDecoder(
  fn: PipelineFunction<ObjectTrigger>,
  view: AwsBindingView,
): (input: unknown) => Decoded[] {
  const trigger = fn.trigger;
  const binding: ObjectBinding = {
    fn,
    type: trigger.event === 'created' ? 'object.created' : 'object.deleted',
    bound: view.bucketNameOf(trigger.bucket.name),
    filtered: trigger.prefix !== undefined || trigger.suffix !== undefined,
    version: undefined,
    name: undefined,
    idPrefix: '',
  };

  return (input) => {
    const records = recordsOf<S3NotificationRecord>(input, fn, 'an S3 event notification');
    const units: Decoded[] = new Array(records.length);
    for (let index = 0; index < records.length; index++) {
      const record = records[index];
      try {
        const event = toObjectEvent(binding, record);
        units[index] = { id: event.id, event };
      } catch (error) {
        if (!(error instanceof InvalidEventError)) throw error;
        units[index] = { id: `record-${index}`, error, raw: record };
      }
    }

    return units;
  };
}

/** Decodes an S3 object key from the form encoding of event notifications. */
export function decodeS3Key(encoded: string): string {
  // Escapes of ASCII characters are decoded here, about twice as fast as decodeURIComponent;
  // a key with any other escape (UTF-8 sequences, or malformed ones) is left to it whole. The
  // escapes are found with indexOf, which scans far faster than a loop over the characters.
  let at = nextEscape(encoded, 0);
  if (at < 0) return encoded;
  let decoded = '';
  let from = 0;
  while (at >= 0) {
    decoded += encoded.slice(from, at);
    if (encoded.charCodeAt(at) === PLUS) {
      decoded += ' ';
      from = at + 1;
    } else {
      const byte = hexValue(encoded.charCodeAt(at + 1)) * 16 + hexValue(encoded.charCodeAt(at + 2));
      if (!(byte >= 0 && byte < 128)) return decodeURIComponent(encoded.replace(/\+/g, ' '));
      decoded += String.fromCharCode(byte);
      from = at + 3;
    }
    at = nextEscape(encoded, from);
  }

  return decoded + encoded.slice(from);
}

/** The index of the first `+` or `%` from `from` on, or -1. */
function nextEscape(encoded: string, from: number): number {
  const plus = encoded.indexOf('+', from);
  const percent = encoded.indexOf('%', from);
  if (plus < 0) return percent;

  return percent < 0 || plus < percent ? plus : percent;
}

/** The value of a hexadecimal digit, or NaN. */
function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 32;

  return lower >= 97 && lower <= 102 ? lower - 87 : Number.NaN;
}

function toObjectEvent(
  binding: ObjectBinding,
  record: S3NotificationRecord | undefined,
): ObjectEvent {
  const { fn, type } = binding;
  const object = record?.s3?.object;
  const physical = record?.s3?.bucket?.name;
  if (record?.eventSource !== 'aws:s3') {
    throw invalidRecord(fn, `has eventSource ${show(record?.eventSource)}`);
  }
  const version = record.eventVersion;
  if (version !== binding.version) {
    if (!isVersion2(version)) {
      throw invalidRecord(fn, `has eventVersion ${show(version)}, not a 2.x version`);
    }
    binding.version = version;
  }
  const name = record.eventName;
  if (name !== binding.name) {
    if (eventType(name) !== type) throw wrongType(fn, name);
    binding.name = name;
    binding.idPrefix = `s3:${binding.bound}:${name}:`;
  }
  if (typeof physical !== 'string') throw invalidRecord(fn, 'has no s3.bucket.name');
  if (physical !== binding.bound) throw wrongBucket(fn, physical, binding.bound);
  const encodedKey = object?.key;
  if (typeof encodedKey !== 'string' || encodedKey === '') {
    throw invalidRecord(fn, 'has no s3.object.key');
  }
  const time = record.eventTime;
  if (!isTime(time)) throw invalidRecord(fn, `has eventTime ${show(time)}`);
  const key = decodeKey(fn, encodedKey);
  if (binding.filtered && !matchesFilter(fn.trigger, key)) {
    throw invalidRecord(
      fn,
      `names key ${show(key)}, outside the trigger's prefix and suffix filters`,
    );
  }
  const versionId = object?.versionId;
  const etag = object?.eTag;

  return {
    type,
    id: eventId(binding.idPrefix, encodedKey, object?.sequencer || time, versionId),
    bucket: fn.trigger.bucket.name,
    key,
    size: sizeOf(fn, object?.size),
    etag: etag ? quoted(etag) : undefined,
    version: versionId || undefined,
    time,
    raw: record,
  };
}

function eventType(name: unknown): ObjectEvent['type'] | undefined {
  if (typeof name !== 'string') return undefined;
  if (name.startsWith(CREATED)) return 'object.created';
  if (name.startsWith(REMOVED)) return 'object.deleted';

  return EXPIRATIONS.includes(name) ? 'object.deleted' : undefined;
}

function wrongType(fn: PipelineFunction<ObjectTrigger>, name: unknown): InvalidEventError {
  const takes = TAKES[fn.trigger.event === 'created' ? 'object.created' : 'object.deleted'];
  if (eventType(name) === undefined) {
    return invalidRecord(
      fn,
      `has eventName ${show(name)}; its ${fn.trigger.event} trigger takes ${takes}`,
    );
  }

  return invalidRecord(
    fn,
    `is ${name}, but the function fires on ${fn.trigger.event} objects (${takes})`,
  );
}

function wrongBucket(
  fn: PipelineFunction<ObjectTrigger>,
  physical: string,
  bound: string | undefined,
): InvalidEventError {
  const logical = fn.trigger.bucket.name;
  if (bound !== undefined) {
    return invalidRecord(fn, `is for bucket ${physical}, which is not bound to ${logical}`);
  }
  const variable = bindingVariable('bucket', logical);

  return invalidRecord(fn, `is for bucket ${physical}, but ${variable} is not set`);
}

// S3 has used 2.1, 2.2 and 2.3 per event type, and one rising 2.x version for all since 2.4.
function isVersion2(version: unknown): boolean {
  if (typeof version !== 'string' || version.length < 3 || !version.startsWith('2.')) {
    return false;
  }
  for (let index = 2; index < version.length; index++) {
    if (!isDigit(version.charCodeAt(index))) return false;
  }

  return true;
}

/** True for an ISO 8601 time, as far as its four-digit year and the dash after it. */
function isTime(time: unknown): time is string {
  return (
    typeof time === 'string' &&
    isDigit(time.charCodeAt(0)) &&
    isDigit(time.charCodeAt(1)) &&
    isDigit(time.charCodeAt(2)) &&
    isDigit(time.charCodeAt(3)) &&
    time.charCodeAt(4) === 45
  );
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** The ETag in quotes, as HTTP and the stores give it; S3 notifications send it without. */
function quoted(etag: string): string {
  if (etag.charCodeAt(0) !== QUOTE && etag.charCodeAt(etag.length - 1) !== QUOTE) {
    return `"${etag}"`;
  }
  const start = etag.charCodeAt(0) === QUOTE ? 1 : 0;
  const end = etag.length > start && etag.charCodeAt(etag.length - 1) === QUOTE ? -1 : undefined;

  return `"${etag.slice(start, end)}"`;
}

/**
 * The event id joins what identifies the change itself: the bucket, the key as S3 sent it,
 * the version, the sequencer (unique per change of one key) and the event name. Lambda's
 * retries resend the identical record, and a duplicate notification S3 sends for the same
 * change carries the same fields, so both keep the id. Records without a sequencer (such as
 * lifecycle events) fall back to the event time, which is also fixed once S3 emits the event.
 */
function eventId(prefix: string, key: string, change: string, version: string | undefined) {
  // Readable and cheap: hashing it costs more than the rest of decoding a record. The prefix
  // holds the bucket and the event name, which the record was checked to have.
  const versionPart = version === undefined || version === null ? '' : version;

  return `${prefix}${change}:${versionPart}:${key}`;
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
  if (typeof size === 'number' && Number.isSafeInteger(size) && size >= 0) return size;
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
