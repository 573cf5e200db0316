import type { Readable } from 'node:stream';

/** Data a store can write: text (UTF-8), bytes, a Node or Web stream, or any async iterable. */
export type PutData =
  | string
  | Uint8Array
  | Readable
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array>;

/** What a store knows about an object without reading it. */
export interface ObjectInfo {
  key: string;
  size: number;
  /** Opaque version tag; pass it back as `ifMatch` to write only over this version. */
  etag: string;
  lastModified: Date;
  contentType?: string | undefined;
  metadata: Record<string, string>;
}

/** A byte range, both ends inclusive as in HTTP; `end` omitted reads to the end. */
export interface ByteRange {
  start: number;
  end?: number;
}

/** Options of {@link ObjectStore.get}. */
export interface GetOptions {
  range?: ByteRange;
  signal?: AbortSignal;
}

/** An object being read: its facts and a stream of its bytes (or of the requested range). */
export interface ObjectContent {
  info: ObjectInfo;
  body: Readable;
}

/** Options of {@link ObjectStore.put} and {@link ObjectStore.copy}. */
export interface PutOptions {
  contentType?: string;
  /** User metadata; keys are lower-cased by most providers, so use lower-case keys. */
  metadata?: Record<string, string>;
  /** Write only if no object exists under the key, else `PRECONDITION_FAILED`. */
  createOnly?: boolean;
  /** Write only if the current object has this ETag, else `PRECONDITION_FAILED`. */
  ifMatch?: string;
  signal?: AbortSignal;
}

/** What a successful write returns. */
export interface PutResult {
  key: string;
  etag: string;
}

/** Options of {@link ObjectStore.list}. */
export interface ListOptions {
  prefix?: string;
  /** Continue after a previous page; pass the `cursor` it returned. */
  cursor?: string;
  /** Most objects on one page; stores may return fewer. Defaults to 1000. */
  limit?: number;
}

/** One page of a listing, in lexicographic order of the keys' UTF-8 bytes. */
export interface ListPage {
  objects: ObjectInfo[];
  /** Present when more objects follow. */
  cursor?: string | undefined;
}

/** Options of {@link ObjectStore.signedUrl}. */
export interface SignedUrlOptions {
  method?: 'GET' | 'PUT';
  expiresInSeconds?: number;
  contentType?: string;
}

/**
 * An object store bound to one bucket: S3, GCS, Azure Blob or the local filesystem.
 *
 * Missing objects raise `OBJECT_NOT_FOUND`; failed preconditions `PRECONDITION_FAILED`;
 * features an implementation lacks `UNSUPPORTED` (see its capability declaration).
 */
export interface ObjectStore {
  /** The bucket's logical name. */
  readonly bucket: string;
  get(key: string, options?: GetOptions): Promise<ObjectContent>;
  head(key: string): Promise<ObjectInfo>;
  put(key: string, data: PutData, options?: PutOptions): Promise<PutResult>;
  list(options?: ListOptions): Promise<ListPage>;
  /** Deletes the object; deleting a missing object succeeds, as on every provider. */
  delete(key: string): Promise<void>;
  copy(sourceKey: string, targetKey: string, options?: PutOptions): Promise<PutResult>;
  signedUrl(key: string, options?: SignedUrlOptions): Promise<string>;
}

/** Lists every object under a prefix, page after page. */
export async function* listAll(store: ObjectStore, prefix?: string): AsyncGenerator<ObjectInfo> {
  let cursor: string | undefined;
  do {
    const page = await store.list({ prefix, cursor });
    yield* page.objects;
    cursor = page.cursor;
  } while (cursor !== undefined);
}

/** Reads a whole stream into one buffer; for small objects only. */
export async function readAll(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk));

  return Buffer.concat(chunks);
}
