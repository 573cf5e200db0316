import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  type GetOptions,
  InvalidConfigError,
  type ListOptions,
  type ListPage,
  type ObjectContent,
  type ObjectInfo,
  type ObjectStore,
  PreconditionFailedError,
  type PutData,
  type PutOptions,
  type PutResult,
  type SignedUrlOptions,
} from '@cloudport/core';
import type {
  CopyOptions,
  File,
  FileMetadata,
  Storage,
  StorageOptions,
} from '@google-cloud/storage';
import { type ClientSource, createStorageClient, fromSource } from '../clients.js';
import { httpStatusOf, messageOf, PROVIDER, toStoreError } from '../errors.js';
import { assertObjectKey, checkPutOptions, fitRange, pageLimit } from './checks.js';

/** Options of {@link createGcsStore}. */
export interface GcsStoreOptions {
  /** The bucket's logical name, used in errors and events. */
  bucket: string;
  /** The Cloud Storage bucket; defaults to `bucket`. */
  physicalName?: string;
  /** A `Storage` client to use (or a function giving one); by default one is made on first use. */
  client?: ClientSource<Storage>;
  /** Options of the client made on first use, such as `apiEndpoint` or `credentials`. */
  clientOptions?: StorageOptions;
  /**
   * Strings and byte arrays up to this size go up in one multipart request; larger data and
   * every stream use a resumable upload. Defaults to 8 MiB.
   */
  resumableThreshold?: number;
  /**
   * Bytes per request of a resumable upload. Unset (the default), the whole stream goes in one
   * request and memory stays flat; set it to resume big uploads piece by piece, at the cost of
   * buffering one chunk in memory.
   */
  chunkSize?: number;
}

type Interceptor = File['interceptors'][number];
type DecoratedRequest = ReturnType<NonNullable<Interceptor['request']>>;

/**
 * The client destroys its shared keep-alive agent when a download stream ends early, which
 * breaks every other request in flight on it; downloads therefore keep off that agent.
 */
const OWN_CONNECTION: Interceptor = {
  request: (request) => ({ ...request, forever: false }) as DecoratedRequest,
};

const MIB = 1024 * 1024;
const DEFAULT_EXPIRY_SECONDS = 900;
const MAX_EXPIRY_SECONDS = 7 * 24 * 3600;
const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
const COPY_ATTEMPTS = 3;
/** Headers a copy keeps from its source when it replaces the content type or metadata. */
const CARRIED_HEADERS = [
  'cacheControl',
  'contentDisposition',
  'contentEncoding',
  'contentLanguage',
] as const;

/**
 * An object store on one Cloud Storage bucket.
 *
 * The ETag is the object's generation, as a decimal string: it changes with every write of the
 * content, and `ifMatch` turns into `ifGenerationMatch`, which Cloud Storage checks atomically.
 * `createOnly` is `ifGenerationMatch: 0`. Metadata-only changes made outside cloudport bump the
 * metageneration and leave the ETag as it is. An `ifMatch` that is not a generation (Cloud
 * Storage's own `etag`, for example) is compared with the current object first.
 * A write without a content type is stored as `application/octet-stream`, not guessed from the
 * name. A copy keeps the source's content type and metadata; each one given replaces the
 * source's, and the other is still kept (so a new content type alone keeps the custom
 * metadata). Reads fetch the object's metadata, then stream that exact generation, so `info`
 * always describes the bytes of `body`.
 *
 * @example
 * const uploads = createGcsStore({ bucket: 'uploads', physicalName: 'acme-prod-uploads' });
 * const { info, body } = await uploads.get('2026/orders.csv', { range: { start: 0, end: 1023 } });
 */
export function createGcsStore(options: GcsStoreOptions): ObjectStore {
  const logical = options.bucket;
  const physical = options.physicalName ?? logical;
  const storage = fromSource(options.client, () => createStorageClient(options.clientOptions));
  const threshold = options.resumableThreshold ?? 8 * MIB;
  const file = async (key: string, generation?: string) =>
    (await storage()).bucket(physical).file(key, generation ? { generation } : {});
  const fail = (error: unknown, key: string, action: string) =>
    toStoreError(error, { bucket: logical, key, action });

  const head = async (key: string): Promise<ObjectInfo> => {
    assertObjectKey(key);
    try {
      const [metadata] = await (await file(key)).getMetadata();
      return toObjectInfo(metadata);
    } catch (error) {
      throw fail(error, key, 'read the metadata of');
    }
  };

  const generationFor = async (key: string, ifMatch: string): Promise<string> => {
    if (/^[1-9][0-9]*$/.test(ifMatch)) return ifMatch;
    let metadata: FileMetadata;
    try {
      [metadata] = await (await file(key)).getMetadata();
    } catch (error) {
      // A condition on an object that is not there failed, as a generation would at the service.
      if (httpStatusOf(error) === 404) {
        throw new PreconditionFailedError(
          logical,
          key,
          `no object exists under it, so its ETag cannot be ${ifMatch}; use createOnly to ` +
            'write a new object.',
          { provider: PROVIDER, cause: error },
        );
      }
      throw fail(error, key, 'check the ETag of');
    }
    if (metadata.etag === ifMatch && metadata.generation !== undefined) {
      return String(metadata.generation);
    }
    throw new PreconditionFailedError(logical, key, `its ETag is not ${ifMatch}.`, {
      provider: PROVIDER,
    });
  };

  const describeCopy = async (key: string, put: PutOptions) => {
    let source: FileMetadata;
    try {
      [source] = await (await file(key)).getMetadata();
    } catch (error) {
      throw fail(error, key, 'copy');
    }

    return { generation: String(source.generation), fields: toCopyFields(source, put) };
  };

  const preconditionOf = async (key: string, put: PutOptions) => {
    if (put.createOnly) return { ifGenerationMatch: 0 };
    if (put.ifMatch !== undefined) {
      return { ifGenerationMatch: Number(await generationFor(key, put.ifMatch)) };
    }

    return undefined;
  };

  return {
    bucket: logical,
    head,

    async get(key: string, get: GetOptions = {}): Promise<ObjectContent> {
      const info = await head(key);
      const range = get.range && fitRange(key, logical, get.range, info.size);
      const target = await file(key, info.etag);
      target.interceptors.push(OWN_CONNECTION);
      const source = target.createReadStream({
        ...(range ?? {}),
        validation: range ? false : 'crc32c',
      });

      return { info, body: guardStream(source, get.signal, (e) => fail(e, key, 'read')) };
    },

    async put(key: string, data: PutData, put: PutOptions = {}): Promise<PutResult> {
      assertObjectKey(key);
      checkPutOptions(key, put);
      const target = await file(key);
      const preconditionOpts = await preconditionOf(key, put);
      const metadata = {
        contentType: put.contentType ?? DEFAULT_CONTENT_TYPE,
        ...(put.metadata ? { metadata: { ...put.metadata } } : {}),
      };
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : asBuffer(data);
      const resumable = bytes === undefined || bytes.length > threshold;
      const upload = target.createWriteStream({
        resumable,
        metadata,
        validation: 'crc32c',
        ...(preconditionOpts ? { preconditionOpts } : {}),
        ...(resumable && options.chunkSize ? { chunkSize: options.chunkSize } : {}),
      });
      const source = bytes === undefined ? toReadable(data) : Readable.from([bytes]);
      try {
        await pipeline(source, upload, put.signal ? { signal: put.signal } : {});
      } catch (error) {
        throw fail(error, key, 'write');
      }

      return { key, etag: generationOf(target.metadata, key) };
    },

    async list(list: ListOptions = {}): Promise<ListPage> {
      const maxResults = pageLimit(list.limit);
      try {
        const bucket = (await storage()).bucket(physical);
        const [files, next] = await bucket.getFiles({
          autoPaginate: false,
          maxResults,
          ...(list.prefix ? { prefix: list.prefix } : {}),
          ...(list.cursor ? { pageToken: list.cursor } : {}),
        });
        const pageToken = (next as { pageToken?: string } | null)?.pageToken;
        return {
          objects: files.map((f) => toObjectInfo(f.metadata)),
          cursor: pageToken || undefined,
        };
      } catch (error) {
        throw fail(error, list.prefix ?? '', 'list objects under');
      }
    },

    async delete(key: string): Promise<void> {
      assertObjectKey(key);
      try {
        await (await file(key)).delete({ ignoreNotFound: true });
      } catch (error) {
        throw fail(error, key, 'delete');
      }
    },

    async copy(sourceKey: string, targetKey: string, put: PutOptions = {}): Promise<PutResult> {
      assertObjectKey(sourceKey);
      assertObjectKey(targetKey);
      checkPutOptions(targetKey, put);
      const preconditionOpts = await preconditionOf(targetKey, put);
      const target = await file(targetKey);
      const overrides = put.contentType !== undefined || put.metadata !== undefined;
      for (let attempt = 1; ; attempt++) {
        // A rewrite given any metadata takes none from the source, so the store sends the whole
        // set, described from one generation that the rewrite is then pinned to.
        const described = overrides ? await describeCopy(sourceKey, put) : undefined;
        const source = await file(sourceKey, described?.generation);
        try {
          const [, response] = await source.copy(target, {
            ...(described?.fields ?? {}),
            ...(preconditionOpts ? { preconditionOpts } : {}),
          });
          const resource = (response as { resource?: FileMetadata } | undefined)?.resource;
          return { key: targetKey, etag: generationOf(resource ?? target.metadata, targetKey) };
        } catch (error) {
          // The source was overwritten between the lookup and the rewrite: describe it again.
          if (described && httpStatusOf(error) === 404 && attempt < COPY_ATTEMPTS) continue;
          if (httpStatusOf(error) === 404) throw fail(error, sourceKey, 'copy');
          throw fail(error, targetKey, `copy ${JSON.stringify(sourceKey)} to`);
        }
      }
    },

    async signedUrl(key: string, signed: SignedUrlOptions = {}): Promise<string> {
      assertObjectKey(key);
      const expires = signed.expiresInSeconds ?? DEFAULT_EXPIRY_SECONDS;
      if (!Number.isSafeInteger(expires) || expires < 1 || expires > MAX_EXPIRY_SECONDS) {
        throw new InvalidConfigError(
          `expiresInSeconds ${expires} must be a whole number from 1 to ${MAX_EXPIRY_SECONDS} ` +
            '(seven days, the V4 signing limit).',
          { provider: PROVIDER },
        );
      }
      try {
        const [url] = await (await file(key)).getSignedUrl({
          version: 'v4',
          action: signed.method === 'PUT' ? 'write' : 'read',
          expires: Date.now() + expires * 1000,
          ...(signed.contentType ? { contentType: signed.contentType } : {}),
        });
        return url;
      } catch (cause) {
        throw new InvalidConfigError(
          `A signed URL for ${JSON.stringify(key)} in ${logical} could not be made: ` +
            `${messageOf(cause)}. V4 signing needs credentials that can sign: a service-account ` +
            'key, or a runtime service account allowed iam.serviceAccounts.signBlob on itself.',
          { provider: PROVIDER, cause },
        );
      }
    },
  };
}

/** Maps the JSON API object resource to the neutral facts; the generation is the ETag. */
export function toObjectInfo(metadata: FileMetadata): ObjectInfo {
  const custom: Record<string, string> = {};
  for (const [name, value] of Object.entries(metadata.metadata ?? {})) {
    if (value !== null && value !== undefined) custom[name] = String(value);
  }

  return {
    key: String(metadata.name),
    size: Number(metadata.size ?? 0),
    etag: String(metadata.generation),
    lastModified: new Date(String(metadata.updated ?? metadata.timeCreated)),
    contentType: metadata.contentType,
    metadata: custom,
  };
}

/**
 * The complete description of a copy that overrides the content type or metadata: what `put`
 * gives, the source's own value for the rest, and the source's caching and encoding headers.
 *
 * @see https://cloud.google.com/storage/docs/json_api/v1/objects/rewrite (a destination resource
 * in the request replaces the source's metadata rather than being merged into it)
 */
export function toCopyFields(source: FileMetadata, put: PutOptions): CopyOptions {
  const fields: Record<string, unknown> = {};
  for (const name of CARRIED_HEADERS) {
    const value = source[name];
    if (typeof value === 'string') fields[name] = value;
  }
  fields.contentType = put.contentType ?? source.contentType ?? DEFAULT_CONTENT_TYPE;
  fields.metadata = { ...(put.metadata ?? toObjectInfo(source).metadata) };

  return fields as CopyOptions;
}

function generationOf(metadata: FileMetadata | undefined, key: string): string {
  const generation = metadata?.generation;
  if (generation !== undefined && generation !== null) return String(generation);

  throw new InvalidConfigError(
    `Cloud Storage answered the write of ${JSON.stringify(key)} without a generation.`,
    { provider: PROVIDER },
  );
}

function asBuffer(data: PutData): Buffer | undefined {
  if (!(data instanceof Uint8Array)) return undefined;

  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function toReadable(data: PutData): Readable {
  if (data instanceof Readable) return data;
  if (typeof (data as ReadableStream).getReader === 'function') {
    return Readable.fromWeb(data as import('node:stream/web').ReadableStream<Uint8Array>);
  }

  return Readable.from(data as AsyncIterable<Uint8Array>, { objectMode: false });
}

/**
 * Hands the client's download stream on, with its errors translated and the read stopped when
 * `signal` aborts.
 */
function guardStream(
  source: Readable,
  signal: AbortSignal | undefined,
  translate: (error: unknown) => Error,
): Readable {
  const body = new PassThrough();
  const stop = () => body.destroy(signal?.reason ?? new Error('The read was aborted.'));
  source.on('error', (error) => body.destroy(translate(error)));
  body.on('close', () => {
    signal?.removeEventListener('abort', stop);
    if (!source.destroyed) source.destroy();
  });
  signal?.addEventListener('abort', stop, { once: true });
  source.pipe(body);

  return body;
}
