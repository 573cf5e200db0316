import {
  type Decoded,
  InvalidEventError,
  matchesFilter,
  type ObjectEvent,
  type ObjectTrigger,
  type PipelineFunction,
} from '@cloudport/core';
import { quoted } from '../storage/blob.js';
import { fromBlobName } from '../storage/blob-names.js';
import { isoTime } from '../time.js';

// https://learn.microsoft.com/azure/event-grid/event-schema-blob-storage
const EVENT_TYPES: Record<string, ObjectEvent['type']> = {
  'Microsoft.Storage.BlobCreated': 'object.created',
  'Microsoft.Storage.BlobDeleted': 'object.deleted',
};
const OBJECT_TYPES: Record<ObjectTrigger['event'], ObjectEvent['type']> = {
  created: 'object.created',
  deleted: 'object.deleted',
};
const SUBJECT_PREFIX = '/blobServices/default/containers/';
const BLOBS = '/blobs/';

type Fields = Record<string, unknown>;

/**
 * Decodes an Event Grid delivery of blob events, in the Event Grid schema or the CloudEvents
 * schema, into object events: the container's logical name, the decoded blob name as key, the
 * size and ETag of a created blob, and the Event Grid id, which stays the same on redelivery.
 * Keys outside the trigger's prefix and suffix give no unit (the delivery is acknowledged); an
 * event of the wrong type or shape gives an `INVALID_EVENT` unit.
 */
export function decodeBlobEvents(
  fn: PipelineFunction<ObjectTrigger>,
  input: unknown,
  container: string,
): Decoded[] {
  const events = Array.isArray(input) ? input : [input];
  const units: Decoded[] = [];
  for (const raw of events) {
    try {
      const event = toObjectEvent(fn, raw, container);
      if (matchesFilter(fn.trigger, event.key)) units.push({ id: event.id, event });
    } catch (error) {
      if (!(error instanceof InvalidEventError)) throw error;
      units.push({ id: idOf(raw), error, raw });
    }
  }

  return units;
}

function toObjectEvent(
  fn: PipelineFunction<ObjectTrigger>,
  raw: unknown,
  container: string,
): ObjectEvent {
  if (!isFields(raw)) throw invalid(fn, 'is not an object');
  // Event Grid schema: eventType, eventTime; CloudEvents schema: type, time.
  const eventType = raw.eventType ?? raw.type;
  const type = typeof eventType === 'string' ? EVENT_TYPES[eventType] : undefined;
  if (type !== OBJECT_TYPES[fn.trigger.event])
    throw invalid(
      fn,
      `has type ${JSON.stringify(eventType)}, not a blob ${fn.trigger.event} event`,
    );
  if (typeof raw.id !== 'string' || raw.id === '') throw invalid(fn, 'has no string "id"');
  const time = isoTime(raw.eventTime ?? raw.time);
  if (time === undefined) throw invalid(fn, 'has no ISO 8601 event time');
  const subject = typeof raw.subject === 'string' ? raw.subject : '';
  const blobs = subject.indexOf(BLOBS, SUBJECT_PREFIX.length);
  if (!subject.startsWith(SUBJECT_PREFIX) || blobs < 0 || blobs + BLOBS.length >= subject.length) {
    throw invalid(fn, `has subject ${JSON.stringify(raw.subject)}, not a blob's`);
  }
  const eventContainer = subject.slice(SUBJECT_PREFIX.length, blobs);
  const subjectName = subject.slice(blobs + BLOBS.length);
  if (eventContainer !== container) {
    throw invalid(
      fn,
      `is for container ${eventContainer}, but ${fn.trigger.bucket.name} is bound to ${container}`,
    );
  }
  const data = isFields(raw.data) ? raw.data : {};
  const created = type === 'object.created';

  return {
    type,
    id: raw.id,
    bucket: fn.trigger.bucket.name,
    key: fromBlobName(blobName(subjectName, data.url, container)),
    size: created && typeof data.contentLength === 'number' ? data.contentLength : undefined,
    etag: created && typeof data.eTag === 'string' ? quoted(data.eTag) : undefined,
    contentType: typeof data.contentType === 'string' ? data.contentType : undefined,
    version: typeof data.versionId === 'string' ? data.versionId : undefined,
    time,
    raw,
  };
}

/**
 * The blob's name. The subject carries it as stored; the `url` carries it percent-encoded.
 * When the two disagree, the URL's decoding wins, since a subject may hold an encoded name
 * (or, in older deliveries, characters replaced by U+FFFD).
 */
function blobName(subjectName: string, url: unknown, container: string): string {
  // Without "%" or U+FFFD the subject is the name itself, and the URL could only agree.
  if (!/[%\uFFFD]/.test(subjectName)) return subjectName;
  const fromUrl = nameFromUrl(url, container);

  return fromUrl === undefined || fromUrl === subjectName ? subjectName : fromUrl;
}

function nameFromUrl(url: unknown, container: string): string | undefined {
  if (typeof url !== 'string') return undefined;
  // The path is cut from the raw string: a URL parser would resolve "." and ".." segments.
  const afterScheme = url.indexOf('//');
  const pathStart = url.indexOf('/', afterScheme < 0 ? 0 : afterScheme + 2);
  const path = url.slice(pathStart).split('?')[0] ?? '';
  const marker = `/${container}/`;
  const at = path.indexOf(marker);
  if (pathStart < 0 || at < 0) return undefined;
  try {
    return decodeURIComponent(path.slice(at + marker.length));
  } catch {
    return undefined;
  }
}

/**
 * Decodes the blob trigger's invocation: the key from `blobTrigger` (`<container>/<name>`), size,
 * ETag, content type and time (`lastModified`, without which the invocation is
 * `INVALID_EVENT`) from `properties`. The content the host read is left alone: it is
 * never part of the event. The id is the blob path with its ETag, the key of the host's blob
 * receipts, so a retry of the same version keeps it.
 */
export function decodeBlobTrigger(
  fn: PipelineFunction<ObjectTrigger>,
  metadata: Fields | undefined,
  container: string,
): Decoded[] {
  const path = metadata?.blobTrigger;
  const slash = typeof path === 'string' ? path.indexOf('/') : -1;
  if (typeof path !== 'string' || slash < 1 || path.slice(0, slash) !== container) {
    const error = invalid(
      fn,
      `has blobTrigger ${JSON.stringify(path)}, not a blob of ${container}`,
      'Blob trigger invocation',
    );
    return [{ id: 'blob-trigger', error, raw: metadata }];
  }
  const properties = isFields(metadata?.properties) ? metadata.properties : {};
  const etag = typeof properties.eTag === 'string' ? quoted(properties.eTag) : undefined;
  const size = Number(properties.length ?? properties.contentLength);
  const key = fromBlobName(path.slice(slash + 1));
  // Every stored blob has one, and the host sends it; without it the event has no time.
  const time = isoTime(properties.lastModified);
  if (time === undefined) {
    const found = JSON.stringify(properties.lastModified) ?? 'nothing';
    const what = `has no readable properties.lastModified (${found}) for blob ${path}`;
    const error = invalid(fn, what, 'Blob trigger invocation');
    return [{ id: `${path}@${etag ?? ''}`, error, raw: metadata }];
  }
  const event: ObjectEvent = {
    type: 'object.created',
    id: `${path}@${etag ?? ''}`,
    bucket: fn.trigger.bucket.name,
    key,
    size: Number.isSafeInteger(size) ? size : undefined,
    etag,
    contentType: typeof properties.contentType === 'string' ? properties.contentType : undefined,
    time,
    raw: metadata,
  };

  return matchesFilter(fn.trigger, key) ? [{ id: event.id, event }] : [];
}

/** The blob trigger's path pattern for a function: its container, prefix and suffix. */
export function blobTriggerPath(trigger: ObjectTrigger, container: string): string {
  const literal = (text: string | undefined) =>
    (text ?? '').replaceAll('{', '{{').replaceAll('}', '}}');

  return `${container}/${literal(trigger.prefix)}{name}${literal(trigger.suffix)}`;
}

function idOf(raw: unknown): string {
  return isFields(raw) && typeof raw.id === 'string' && raw.id !== '' ? raw.id : 'invalid-event';
}

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(
  fn: PipelineFunction,
  what: string,
  source = 'Event Grid event',
): InvalidEventError {
  return new InvalidEventError(`${source} for function ${JSON.stringify(fn.name)} ${what}.`, {
    provider: 'azure',
  });
}
