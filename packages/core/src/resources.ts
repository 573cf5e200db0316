import type { BodyKind } from './body.js';
import { InvalidConfigError } from './errors.js';
import { assertName } from './names.js';
import {
  checkOptionKeys,
  checkPositiveNumber,
  checkWholeNumber,
  describeValue,
} from './options.js';
import type { SendEntry, SendOptions, SendResult } from './queue.js';
import { currentResolver } from './resolver.js';
import type {
  GetOptions,
  ListOptions,
  ListPage,
  ObjectContent,
  ObjectInfo,
  PutData,
  PutOptions,
  PutResult,
  SignedUrlOptions,
} from './store.js';
import { readAll } from './store.js';

/**
 * A bucket by its logical name. Its methods act on whatever store the active runtime bound
 * to it, so handler code never names a physical bucket.
 */
export class BucketRef {
  readonly kind = 'bucket' as const;
  readonly name: string;

  constructor(name: string) {
    assertName('bucket', name);
    this.name = name;
  }

  get(key: string, options?: GetOptions): Promise<ObjectContent> {
    return this.store().get(key, options);
  }

  /** Reads a whole object as UTF-8 text; for small objects. */
  async getText(key: string): Promise<string> {
    const { body } = await this.get(key);

    return (await readAll(body)).toString('utf8');
  }

  head(key: string): Promise<ObjectInfo> {
    return this.store().head(key);
  }

  put(key: string, data: PutData, options?: PutOptions): Promise<PutResult> {
    return this.store().put(key, data, options);
  }

  list(options?: ListOptions): Promise<ListPage> {
    return this.store().list(options);
  }

  delete(key: string): Promise<void> {
    return this.store().delete(key);
  }

  copy(sourceKey: string, targetKey: string, options?: PutOptions): Promise<PutResult> {
    return this.store().copy(sourceKey, targetKey, options);
  }

  signedUrl(key: string, options?: SignedUrlOptions): Promise<string> {
    return this.store().signedUrl(key, options);
  }

  private store() {
    return currentResolver().store(this.name);
  }
}

/** Settings of a queue that every runtime honours. */
export interface QueueOptions<K extends BodyKind = BodyKind> {
  /** How bodies are typed and carried. Defaults to `json`. */
  body?: K;
  /** Deliveries before a message is dead-lettered by the queue itself. Defaults to 5. */
  maxAttempts?: number;
  /** Seconds a received message stays hidden before it is redelivered. Defaults to 30. */
  visibilityTimeoutSeconds?: number;
}

const QUEUE_OPTIONS = ['body', 'maxAttempts', 'visibilityTimeoutSeconds'];
const BODY_KINDS: readonly BodyKind[] = ['json', 'text', 'bytes'];

/** A queue by its logical name, typed by its body. */
export class QueueRef<T = unknown> {
  readonly kind = 'queue' as const;
  readonly name: string;
  readonly body: BodyKind;
  readonly maxAttempts: number;
  readonly visibilityTimeoutSeconds: number;
  /** Carries the body type for inference; always undefined at run time. */
  declare readonly __body?: T;

  constructor(name: string, options: QueueOptions = {}) {
    assertName('queue', name);
    const what = `queue(${JSON.stringify(name)})`;
    checkOptionKeys(`${what} options`, options, QUEUE_OPTIONS);
    this.name = name;
    this.body = options.body ?? 'json';
    this.maxAttempts = options.maxAttempts ?? 5;
    this.visibilityTimeoutSeconds = options.visibilityTimeoutSeconds ?? 30;
    if (!BODY_KINDS.includes(this.body)) {
      throw new InvalidConfigError(
        `${what} body is ${describeValue(this.body)}; it must be one of ${BODY_KINDS.join(', ')}.`,
      );
    }
    // The widest ranges any provider allows; deploy checks the chosen provider's own.
    checkWholeNumber(`${what} maxAttempts`, this.maxAttempts, 1, 2000);
    checkPositiveNumber(`${what} visibilityTimeoutSeconds`, this.visibilityTimeoutSeconds, 43_200);
  }

  send(body: T, options?: SendOptions): Promise<SendResult> {
    return currentResolver().queue(this).send(body, options);
  }

  sendBatch(entries: ReadonlyArray<SendEntry<T>>): Promise<SendResult[]> {
    return currentResolver().queue(this).sendBatch(entries);
  }
}

/**
 * Declares a bucket by logical name.
 *
 * @example
 * const uploads = bucket('uploads');
 * const { body } = await uploads.get('2026/report.csv');
 */
export function bucket(name: string): BucketRef {
  return new BucketRef(name);
}

/**
 * Declares a queue by logical name; the body type follows from `body` or a type argument.
 *
 * @example
 * const rows = queue<{ file: string; rows: string[][] }>('rows');
 * const raw = queue('raw-bytes', { body: 'bytes' }); // QueueRef<Uint8Array>
 */
export function queue<T = unknown>(name: string, options?: QueueOptions<'json'>): QueueRef<T>;
export function queue(name: string, options: QueueOptions<'text'>): QueueRef<string>;
export function queue(name: string, options: QueueOptions<'bytes'>): QueueRef<Uint8Array>;
export function queue(name: string, options?: QueueOptions): QueueRef<unknown> {
  return new QueueRef(name, options);
}
