import { InvalidConfigError } from './errors.js';
import { checkOptionKeys, checkWholeNumber, describeValue } from './options.js';
import type { BucketRef, QueueRef } from './resources.js';
import { parseSchedule, type Schedule } from './schedule.js';

/** Filters of an object trigger; a key must match both to fire. */
export interface ObjectFilter {
  prefix?: string;
  suffix?: string;
}

/** Fires on objects created in (or deleted from) a bucket. */
export interface ObjectTrigger extends ObjectFilter {
  kind: 'object';
  event: 'created' | 'deleted';
  bucket: BucketRef;
}

/** Options of a queue trigger. */
export interface MessageTriggerOptions {
  /**
   * Most messages one invocation receives (SQS batch size, Service Bus `many`). The handler
   * still sees one message per call, in order, and each message gets its own outcome.
   * Defaults to 10.
   */
  batchSize?: number;
  /** Most invocations running at once for this function. Defaults to 4. */
  concurrency?: number;
}

/** Fires once per message on a queue. */
export interface QueueTrigger<T = unknown> extends Required<MessageTriggerOptions> {
  kind: 'queue';
  queue: QueueRef<T>;
}

/** HTTP methods a route can answer; `*` answers them all. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS' | '*';

const HTTP_METHODS: readonly string[] = [
  'GET',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'HEAD',
  'OPTIONS',
  '*',
];

/** Answers HTTP requests on a path relative to the function's own URL. */
export interface HttpTrigger {
  kind: 'http';
  method: HttpMethod;
  /** Starts with `/`; `*` at the end matches the rest of the path. */
  path: string;
}

/** Fires on a schedule (5-field cron in UTC, or a rate). */
export interface ScheduleTrigger {
  kind: 'schedule';
  schedule: Schedule;
}

/** Any trigger. */
// biome-ignore lint/suspicious/noExplicitAny: handler parameters are contravariant
export type Trigger = ObjectTrigger | QueueTrigger<any> | HttpTrigger | ScheduleTrigger;

/** Fires when an object is created or overwritten in `bucket`. */
export function onObjectCreated(bucket: BucketRef, filter: ObjectFilter = {}): ObjectTrigger {
  return { kind: 'object', event: 'created', bucket, ...checkFilter('onObjectCreated', filter) };
}

/** Fires when an object is deleted from `bucket`. */
export function onObjectDeleted(bucket: BucketRef, filter: ObjectFilter = {}): ObjectTrigger {
  return { kind: 'object', event: 'deleted', bucket, ...checkFilter('onObjectDeleted', filter) };
}

/**
 * Fires once per message on `queue`.
 *
 * @example
 * onMessage(rows, { batchSize: 10, concurrency: 4 })
 */
export function onMessage<T>(
  queue: QueueRef<T>,
  options: MessageTriggerOptions = {},
): QueueTrigger<T> {
  const what = `onMessage(${queue?.name ?? ''})`;
  checkOptionKeys(`${what} options`, options, ['batchSize', 'concurrency']);
  const batchSize = options.batchSize ?? 10;
  const concurrency = options.concurrency ?? 4;
  checkWholeNumber(`${what} batchSize`, batchSize, 1, 10_000);
  checkWholeNumber(`${what} concurrency`, concurrency, 1, 1000);

  return { kind: 'queue', queue, batchSize, concurrency };
}

/** Answers `method` requests on `path`, relative to the function's own URL. */
export function onHttp(method: HttpMethod, path = '/'): HttpTrigger {
  if (!HTTP_METHODS.includes(method)) {
    throw new InvalidConfigError(
      `HTTP method ${describeValue(method)} is not one of ${HTTP_METHODS.join(', ')}; ` +
        'write it in upper case, or use * for every method.',
    );
  }
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new InvalidConfigError(`HTTP path ${JSON.stringify(path)} must start with "/".`);
  }

  return { kind: 'http', method, path };
}

/**
 * Fires on a 5-field cron expression in UTC or a rate.
 *
 * @example
 * onSchedule('0 2 * * *')   // every night at 02:00 UTC
 * onSchedule('15 minutes')
 */
export function onSchedule(expression: string): ScheduleTrigger {
  return { kind: 'schedule', schedule: parseSchedule(expression) };
}

/** True when `key` passes the trigger's prefix and suffix filters. */
export function matchesFilter(trigger: ObjectFilter, key: string): boolean {
  if (trigger.prefix !== undefined && !key.startsWith(trigger.prefix)) return false;

  return trigger.suffix === undefined || key.endsWith(trigger.suffix);
}

/** Matches a request path against an HTTP trigger's path; `*` at the end matches the rest. */
export function matchesPath(trigger: HttpTrigger, pathname: string): boolean {
  if (trigger.path.endsWith('*')) return pathname.startsWith(trigger.path.slice(0, -1));

  return pathname === trigger.path || pathname === `${trigger.path}/`.replace('//', '/');
}

function checkFilter(what: string, filter: ObjectFilter): ObjectFilter {
  checkOptionKeys(`${what} filter`, filter, ['prefix', 'suffix']);
  for (const [name, value] of Object.entries(filter)) {
    if (value !== undefined && typeof value !== 'string') {
      throw new InvalidConfigError(
        `${what} filter ${name} is ${describeValue(value)}; it must be a string.`,
      );
    }
  }
  const result: ObjectFilter = {};
  if (filter.prefix) result.prefix = filter.prefix;
  if (filter.suffix) result.suffix = filter.suffix;

  return result;
}
