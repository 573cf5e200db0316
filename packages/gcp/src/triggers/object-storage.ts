import {
  type Decoded,
  InvalidEventError,
  matchesFilter,
  type ObjectEvent,
  type ObjectTrigger,
} from '@cloudport/core';
import { type CloudEventLike, describe, invalid, jsonDataOf } from './cloud-event.js';
import { isTime } from './time.js';

/** The Eventarc event type each object trigger takes; every other type is refused. */
export const STORAGE_EVENT_TYPES: Readonly<Record<ObjectTrigger['event'], string>> = {
  created: 'google.cloud.storage.object.v1.finalized',
  deleted: 'google.cloud.storage.object.v1.deleted',
};

const SOURCE_BUCKET = /^\/\/storage\.googleapis\.com\/projects\/[^/]+\/buckets\/([^/]+)$/;

/** What decoding an object event needs to know about its function. */
export interface ObjectTarget {
  trigger: ObjectTrigger;
  /** The physical bucket bound to the trigger's logical bucket. */
  physicalBucket: string;
}

/**
 * Decodes a Cloud Storage CloudEvent (binary or structured mode) for an object trigger.
 *
 * `size`, `generation` and `metageneration` arrive as strings under proto3 JSON and sometimes as
 * numbers; both are read. `size` becomes a number; the generation stays the exact decimal
 * string in `version` and `etag` (see {@link generationOf} for it as a number). The name is used
 * as sent: it is not URL-encoded. The event id is the CloudEvent id, which Eventarc keeps on
 * redelivery. The ETag is the generation, as the GCS store reports it, so `event.etag` can be
 * passed as `ifMatch`. A delete carries no size or
 * ETag. An event type other than the trigger's (`metadataUpdated`, `archived`, or the other
 * of finalized/deleted) and an event for another bucket come back as `INVALID_EVENT` units;
 * keys outside the trigger's prefix and suffix filters give no unit at all.
 *
 * @see googleapis/google-cloudevents, proto/google/events/cloud/storage/v1/data.proto
 */
export function decodeObjectEvent(target: ObjectTarget, event: CloudEventLike): Decoded[] {
  try {
    const decoded = toObjectEvent(target, event);
    if (!matchesFilter(target.trigger, decoded.key)) return [];
    return [{ id: decoded.id, event: decoded }];
  } catch (error) {
    if (!(error instanceof InvalidEventError)) throw error;
    return [{ id: event.id, error, raw: event }];
  }
}

function toObjectEvent(target: ObjectTarget, event: CloudEventLike): ObjectEvent {
  const { trigger } = target;
  const expected = STORAGE_EVENT_TYPES[trigger.event];
  if (event.type !== expected) {
    throw invalid(
      `Event ${event.id} has type ${event.type}, which an object-${trigger.event} trigger does ` +
        `not take (it takes ${expected}); check the Eventarc trigger's event type filter.`,
    );
  }
  const data = jsonDataOf(event);
  const key = data.name ?? subjectName(event.subject);
  if (typeof key !== 'string' || key === '') {
    throw invalid(`Event ${event.id} names no object: its data.name is ${describe(data.name)}.`);
  }
  const bucket = data.bucket ?? event.bucket ?? SOURCE_BUCKET.exec(event.source)?.[1];
  if (bucket !== target.physicalBucket) {
    throw invalid(
      `Event ${event.id} is for bucket ${JSON.stringify(bucket)}, but this function's trigger ` +
        `is bound to ${JSON.stringify(target.physicalBucket)}.`,
    );
  }
  const created = trigger.event === 'created';
  const generation = digitsOf(event.id, 'generation', data.generation);

  return {
    type: created ? 'object.created' : 'object.deleted',
    id: event.id,
    bucket: trigger.bucket.name,
    key,
    size: created ? sizeOf(event.id, data.size) : undefined,
    etag: created ? generation : undefined,
    contentType: typeof data.contentType === 'string' ? data.contentType : undefined,
    version: generation,
    time: timeOf(event, data),
    raw: event,
  };
}

/**
 * The Cloud Storage generation of an object event as a number: the event's `version`, which
 * keeps the exact digits for preconditions. Generations are microsecond timestamps (about
 * 1.7e15 today), well inside `Number.MAX_SAFE_INTEGER`; undefined when the event has no
 * version or one that a number cannot hold exactly.
 *
 * @example
 * generationOf(event) // 1772323204100000, where event.version is '1772323204100000'
 */
export function generationOf(event: Pick<ObjectEvent, 'version'>): number | undefined {
  if (event.version === undefined || !/^[0-9]+$/.test(event.version)) return undefined;
  const generation = Number(event.version);

  return Number.isSafeInteger(generation) ? generation : undefined;
}

function subjectName(subject: unknown): string | undefined {
  return typeof subject === 'string' && subject.startsWith('objects/')
    ? subject.slice('objects/'.length)
    : undefined;
}

/** Reads an int64 field sent as a string (proto3 JSON) or as a number, keeping its digits. */
function digitsOf(id: string, field: string, value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !/^[0-9]+$/.test(text)) {
    throw invalid(`Event ${id} has a ${field} of ${JSON.stringify(value)}, not a whole number.`);
  }

  return text;
}

function sizeOf(id: string, value: unknown): number | undefined {
  const digits = digitsOf(id, 'size', value);
  if (digits === undefined) return undefined;
  const size = Number(digits);
  if (!Number.isSafeInteger(size)) throw invalid(`Event ${id} has a size of ${digits} bytes.`);

  return size;
}

function timeOf(event: CloudEventLike, data: Record<string, unknown>): string {
  if (isTime(event.time)) return event.time;
  if (isTime(data.timeDeleted)) return data.timeDeleted;
  if (isTime(data.updated)) return data.updated;
  if (isTime(data.timeCreated)) return data.timeCreated;

  throw invalid(`Event ${event.id} has no time, nor updated or timeCreated in its data.`);
}
