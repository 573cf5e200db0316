import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  decodeBodyFromText,
  InvalidEventError,
  type MessageEvent,
  type NeutralEvent,
  type ObjectEvent,
  type ObjectTrigger,
  type PipelineFunction,
  type QueueTrigger,
  type ScheduleEvent,
  type ScheduleTrigger,
} from '@cloudport/core';
import { quote, UsageError } from './errors.js';

type Doc = Record<string, unknown>;

const OBJECT_FIELDS = [
  'type',
  'id',
  'bucket',
  'key',
  'size',
  'etag',
  'contentType',
  'version',
  'time',
  'raw',
];
const MESSAGE_FIELDS = [
  'type',
  'id',
  'queue',
  'messageId',
  'body',
  'attributes',
  'deliveryCount',
  'orderingKey',
  'time',
  'raw',
];
const SCHEDULE_FIELDS = ['type', 'id', 'schedule', 'time', 'pastDue', 'raw'];

/**
 * Reads a neutral event from a JSON file for `cloudport invoke` and checks it against the
 * function's trigger. `type` and the content (`key` of an object event, `body` of a message)
 * are required; the rest is filled in when absent: `id` (a new `invoke-` id), `time` (now),
 * the bucket, queue or schedule (the trigger's), `attributes` ({}), `deliveryCount` (1) and
 * `raw` (the document as read). A body for a `bytes` queue is `{ "base64": "..." }` or a
 * UTF-8 string. Unknown fields are refused, so that a misspelt one is not silently ignored.
 */
export async function readEventFile(
  file: string,
  cwd: string,
  fn: PipelineFunction,
): Promise<NeutralEvent> {
  const doc = await readDocument(file, cwd);
  const check = new Checker(file, doc);
  const { trigger } = fn;
  if (trigger.kind === 'http') {
    throw new UsageError(
      `function ${quote(fn.name)} answers HTTP requests, which invoke cannot send; ` +
        'serve it with "cloudport dev" and send it a request',
    );
  }
  if (trigger.kind === 'object') return toObjectEvent(check, fn.name, trigger);
  if (trigger.kind === 'queue') return toMessageEvent(check, fn.name, trigger);

  return toScheduleEvent(check, fn.name, trigger);
}

async function readDocument(file: string, cwd: string): Promise<Doc> {
  let text: string;
  try {
    text = await readFile(resolve(cwd, file), 'utf8');
  } catch (error) {
    const reason = (error as { code?: string }).code === 'ENOENT' ? 'no such file' : String(error);
    throw new UsageError(
      `cannot read event file ${quote(file)} (${reason}); pass --event with a JSON file`,
      { cause: error },
    );
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new InvalidEventError(
      `Event file ${quote(file)} is not valid JSON (${(error as Error).message}).`,
      { cause: error },
    );
  }
  if (typeof doc === 'object' && doc !== null && !Array.isArray(doc)) return doc as Doc;

  throw new InvalidEventError(`Event file ${quote(file)} must hold one JSON object (an event).`);
}

function toObjectEvent(check: Checker, fnName: string, trigger: ObjectTrigger): ObjectEvent {
  const type = check.type(`object.${trigger.event}`, fnName);
  check.onlyFields(OBJECT_FIELDS, 'an object event');
  const bucket = check.matching('bucket', trigger.bucket.name, fnName);
  const event: ObjectEvent = {
    type: type as ObjectEvent['type'],
    id: check.id(),
    bucket,
    key: check.requiredString('key', 'the object key'),
    time: check.time(),
    raw: check.raw(),
  };
  const size = check.integer('size', 0);
  if (size !== undefined) event.size = size;
  for (const name of ['etag', 'contentType', 'version'] as const) {
    const value = check.string(name);
    if (value !== undefined) event[name] = value;
  }

  return event;
}

function toMessageEvent(check: Checker, fnName: string, trigger: QueueTrigger): MessageEvent {
  check.type('message', fnName);
  check.onlyFields(MESSAGE_FIELDS, 'a message event');
  const queue = check.matching('queue', trigger.queue.name, fnName);
  const id = check.id();
  const event: MessageEvent = {
    type: 'message',
    id,
    queue,
    messageId: check.string('messageId') ?? id,
    body: check.body(trigger.queue.body, queue),
    attributes: check.attributes(),
    deliveryCount: check.integer('deliveryCount', 1) ?? 1,
    time: check.time(),
    raw: check.raw(),
  };
  const orderingKey = check.string('orderingKey');
  if (orderingKey !== undefined) event.orderingKey = orderingKey;

  return event;
}

function toScheduleEvent(check: Checker, fnName: string, trigger: ScheduleTrigger): ScheduleEvent {
  check.type('schedule', fnName);
  check.onlyFields(SCHEDULE_FIELDS, 'a schedule event');
  const event: ScheduleEvent = {
    type: 'schedule',
    id: check.id(),
    schedule: check.matching('schedule', trigger.schedule.expression, fnName),
    time: check.time(),
    raw: check.raw(),
  };
  const pastDue = check.boolean('pastDue');
  if (pastDue !== undefined) event.pastDue = pastDue;

  return event;
}

/** Reads fields of one event document, throwing `INVALID_EVENT` that names file and field. */
class Checker {
  constructor(
    private readonly file: string,
    private readonly doc: Doc,
  ) {}

  type(expected: string, fnName: string): string {
    const type = this.doc.type;
    if (type === expected) return expected;
    if (type === undefined) throw this.invalid(`needs "type": ${quote(expected)}`);

    throw this.invalid(
      `has type ${JSON.stringify(type)}, but function ${quote(fnName)} takes ` +
        `${quote(expected)} events`,
    );
  }

  onlyFields(allowed: readonly string[], what: string): void {
    const unknown = Object.keys(this.doc).find((name) => !allowed.includes(name));
    if (unknown === undefined) return;

    throw this.invalid(`has unknown field ${quote(unknown)}; ${what} has ${allowed.join(', ')}`);
  }

  /** A field that, when given, must equal what the function's trigger names. */
  matching(name: string, expected: string, fnName: string): string {
    const value = this.string(name) ?? expected;
    if (value === expected) return value;

    throw this.invalid(
      `names ${name} ${quote(value)}, but function ${quote(fnName)} is triggered by ` +
        `${name} ${quote(expected)}`,
    );
  }

  id(): string {
    return this.string('id') ?? `invoke-${randomUUID()}`;
  }

  time(): string {
    const time = this.string('time');
    if (time === undefined) return new Date().toISOString();
    if (!Number.isNaN(Date.parse(time))) return time;

    throw this.invalid(
      `has time ${quote(time)}; use an ISO 8601 time such as "2026-01-31T12:00:00Z"`,
    );
  }

  raw(): unknown {
    return 'raw' in this.doc ? this.doc.raw : structuredClone(this.doc);
  }

  string(name: string): string | undefined {
    const value = this.doc[name];
    if (value === undefined) return undefined;
    if (typeof value === 'string' && value !== '') return value;

    throw this.invalid(`field ${quote(name)} must be a non-empty string`);
  }

  requiredString(name: string, what: string): string {
    const value = this.string(name);
    if (value !== undefined) return value;

    throw this.invalid(`needs field ${quote(name)} (${what})`);
  }

  integer(name: string, min: number): number | undefined {
    const value = this.doc[name];
    if (value === undefined) return undefined;
    if (Number.isSafeInteger(value) && (value as number) >= min) return value as number;

    throw this.invalid(`field ${quote(name)} must be a whole number of at least ${min}`);
  }

  boolean(name: string): boolean | undefined {
    const value = this.doc[name];
    if (value === undefined || typeof value === 'boolean') return value;

    throw this.invalid(`field ${quote(name)} must be true or false`);
  }

  attributes(): Record<string, string> {
    const value = this.doc.attributes;
    if (value === undefined) return {};
    const valid =
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      Object.values(value).every((v) => typeof v === 'string');
    if (valid) return { ...(value as Record<string, string>) };

    throw this.invalid('field "attributes" must be an object of string values');
  }

  body(kind: 'json' | 'text' | 'bytes', queue: string): unknown {
    if (!('body' in this.doc)) throw this.invalid('needs field "body" (the message body)');
    const body = this.doc.body;
    if (kind === 'json') return body;
    if (typeof body === 'string') return kind === 'text' ? body : new TextEncoder().encode(body);
    if (kind === 'text') {
      throw this.invalid(`field "body" must be a string: queue ${quote(queue)} carries text`);
    }
    const base64 = (body as { base64?: unknown } | null)?.base64;
    if (typeof base64 !== 'string' || Object.keys(body as object).length !== 1) {
      throw this.invalid(
        `field "body" must be {"base64": "..."} or a string: queue ${quote(queue)} carries bytes`,
      );
    }
    try {
      return decodeBodyFromText('bytes', base64);
    } catch (error) {
      throw this.invalid('field "body.base64" is not valid base64', error);
    }
  }

  private invalid(detail: string, cause?: unknown): InvalidEventError {
    return new InvalidEventError(`Event file ${quote(this.file)} ${detail}.`, { cause });
  }
}
