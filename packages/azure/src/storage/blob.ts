import { Readable } from 'node:stream';
import type {
  BlobItem,
  BlobServiceClient,
  BlockBlobClient,
  ContainerClient,
  StoragePipelineOptions,
} from '@azure/storage-blob';
import {
  type GetOptions,
  InvalidConfigError,
  type ListOptions,
  type ListPage,
  type ObjectContent,
  type ObjectInfo,
  ObjectNotFoundError,
  type ObjectStore,
  type PutData,
  type PutOptions,
  type PutResult,
  type SignedUrlOptions,
} from '@cloudport/core';
import { createBlobServiceClient, type TokenCredential } from '../sdk.js';
import { assertKey, checkPutOptions, checkRange, pageLimit } from './blob-checks.js';
import { type StoreCall, toStoreError } from './blob-errors.js';
import { fromBlobName, toBlobName, toListPrefix } from './blob-names.js';
import { blobSignedUrl } from './blob-sas.js';

/** Options of {@link createBlobStore}. */
export interface BlobStoreOptions {
  /** The bucket's logical name. */
  bucket: string;
  /** The container's name. Defaults to the bucket's logical name. */
  container?: string;
  /** A client to use instead of creating one: a service client or the container's client. */
  client?: BlobServiceClient | ContainerClient;
  /** A storage connection string (shared key or SAS), read when no client is given. */
  connectionString?: string;
  /** Blob service URL for token sign-in, such as `https://account.blob.core.windows.net`. */
  serviceUrl?: string;
  /** Token credential for `serviceUrl`, such as `DefaultAzureCredential`. */
  credential?: TokenCredential;
  /** Pipeline options (retries, user agent) of a client the store creates. */
  pipeline?: StoragePipelineOptions;
  /** Bytes of each block of a streamed upload. Defaults to 4 MiB. */
  blockBytes?: number;
  /** Blocks of a streamed upload in flight at once. Defaults to 4. */
  uploadConcurrency?: number;
}

const MIB = 1024 * 1024;
const byUtf8 = (a: ObjectInfo, b: ObjectInfo) =>
  Buffer.compare(Buffer.from(a.key, 'utf8'), Buffer.from(b.key, 'utf8'));

/**
 * An object store over one Azure Blob Storage container. Reads stream with ranges; buffers
 * upload in one request (or in parallel blocks when large); streams upload block by block
 * while they are read, so memory stays bounded by `blockBytes × uploadConcurrency`.
 * Preconditions map to `If-None-Match: *` and `If-Match`. The client is created on first use.
 *
 * Keys are stored as blob names unchanged, except path segments of only dots, backslashes and
 * the characters U+D7FF to U+FFFF, which are rewritten reversibly (see the README).
 *
 * @example
 * const store = createBlobStore({ bucket: 'uploads', container: 'prod-uploads',
 *   connectionString: process.env.CLOUDPORT_STORAGE });
 * const { body } = await store.get('2026/orders.csv', { range: { start: 0, end: 1023 } });
 */
export function createBlobStore(options: BlobStoreOptions): ObjectStore {
  return new BlobStore(options);
}

class BlobStore implements ObjectStore {
  readonly bucket: string;
  private readonly container: string;
  private readonly options: BlobStoreOptions;
  private client: Promise<ContainerClient> | undefined;

  constructor(options: BlobStoreOptions) {
    if (!options || typeof options.bucket !== 'string' || options.bucket === '') {
      throw new InvalidConfigError(
        'createBlobStore needs the bucket\'s logical name as "bucket".',
        {
          provider: 'azure',
        },
      );
    }
    this.options = options;
    this.bucket = options.bucket;
    this.container = options.container ?? options.bucket;
  }

  async get(key: string, options: GetOptions = {}): Promise<ObjectContent> {
    assertKey(key);
    checkRange(key, options.range);
    const blob = await this.blob(key);
    const { start = 0, end } = options.range ?? {};
    const count = end === undefined ? undefined : end - start + 1;
    const response = await blob
      .download(start, count, { abortSignal: options.signal })
      .catch((error) => this.fail(error, key, 'get'));
    const body = response.readableStreamBody;
    if (!body) throw new InvalidConfigError('Blob downloads need Node.js streams.');

    const size = totalSize(response.contentRange) ?? response.contentLength ?? 0;
    if (options.range && start >= size) {
      // Azure answers 416 here; Azurite answers 206 with an empty body.
      body.destroy();
      throw rangeError(this.bucket, key, start, size);
    }
    const info = toInfo(key, {
      contentLength: size,
      etag: response.etag,
      lastModified: response.lastModified,
      contentType: response.contentType,
      metadata: response.metadata,
    });

    return { info, body: body as Readable };
  }

  async head(key: string): Promise<ObjectInfo> {
    assertKey(key);
    const blob = await this.blob(key);
    const properties = await blob.getProperties().catch((error) => this.fail(error, key, 'head'));

    return toInfo(key, properties);
  }

  async put(key: string, data: PutData, options: PutOptions = {}): Promise<PutResult> {
    assertKey(key);
    checkPutOptions(key, options);
    const blob = await this.blob(key);
    const upload = {
      blobHTTPHeaders: { blobContentType: options.contentType },
      metadata: options.metadata,
      conditions: options.createOnly ? { ifNoneMatch: '*' } : { ifMatch: options.ifMatch },
      abortSignal: options.signal,
    };
    const bytes = toBuffer(data);
    const sending = bytes
      ? blob.uploadData(bytes, upload)
      : blob.uploadStream(
          toReadable(data),
          this.options.blockBytes ?? 4 * MIB,
          this.options.uploadConcurrency ?? 4,
          upload,
        );
    const response = await sending.catch((error) =>
      this.fail(error, key, 'put', options.ifMatch !== undefined),
    );

    return { key, etag: quoted(response.etag) };
  }

  async list(options: ListOptions = {}): Promise<ListPage> {
    const maxPageSize = pageLimit(options.limit);
    const prefix = options.prefix ?? '';
    const container = await this.containerClient();
    const pages = container
      .listBlobsFlat({ prefix: toListPrefix(prefix) || undefined, includeMetadata: true })
      .byPage({ continuationToken: options.cursor || undefined, maxPageSize });
    const { value: page } = await pages.next().catch((error) => this.fail(error, prefix, 'list'));
    const objects = (page?.segment.blobItems ?? [])
      .map((item: BlobItem) => listedInfo(item))
      .filter((info: ObjectInfo) => info.key.startsWith(prefix))
      .sort(byUtf8);

    return { objects, cursor: page?.continuationToken || undefined };
  }

  async delete(key: string): Promise<void> {
    assertKey(key);
    const blob = await this.blob(key);
    // A blob with snapshots cannot be deleted alone (409 SnapshotsPresent): take them with it.
    await blob
      .deleteIfExists({ deleteSnapshots: 'include' })
      .catch((error) => this.fail(error, key, 'delete'));
  }

  async copy(sourceKey: string, targetKey: string, options: PutOptions = {}): Promise<PutResult> {
    assertKey(sourceKey);
    assertKey(targetKey);
    checkPutOptions(targetKey, options);
    const source = await this.blob(sourceKey);
    const target = await this.blob(targetKey);
    // The copy keeps the source's headers; a new content type is set right after it.
    const headers = options.contentType
      ? await source.getProperties().catch((error) => this.fail(error, sourceKey, 'copy from'))
      : undefined;
    const conditional = options.ifMatch !== undefined;
    const conditions = options.createOnly ? { ifNoneMatch: '*' } : { ifMatch: options.ifMatch };
    let etag: string | undefined;
    try {
      const poller = await target.beginCopyFromURL(source.url, {
        metadata: options.metadata,
        conditions,
        abortSignal: options.signal,
      });
      etag = (await poller.pollUntilDone()).etag;
    } catch (error) {
      throw await this.copyError(error, sourceKey, targetKey, conditional);
    }
    if (!headers) return { key: targetKey, etag: quoted(etag) };

    const updated = await target
      .setHTTPHeaders(
        {
          blobContentType: options.contentType,
          blobCacheControl: headers.cacheControl,
          blobContentDisposition: headers.contentDisposition,
          blobContentEncoding: headers.contentEncoding,
          blobContentLanguage: headers.contentLanguage,
          blobContentMD5: headers.contentMD5,
        },
        { conditions: { ifMatch: etag }, abortSignal: options.signal },
      )
      .catch((error) => this.fail(error, targetKey, 'copy to', true));

    return { key: targetKey, etag: quoted(updated.etag ?? etag) };
  }

  async signedUrl(key: string, options: SignedUrlOptions = {}): Promise<string> {
    assertKey(key);

    return blobSignedUrl(await this.blob(key), key, options);
  }

  private async copyError(
    error: unknown,
    sourceKey: string,
    targetKey: string,
    conditional: boolean,
  ): Promise<unknown> {
    const translated = toStoreError(error, this.call(targetKey, 'copy to', conditional));
    if (!(translated instanceof ObjectNotFoundError || conditional)) return translated;
    // A 404 names neither side; the source is the usual culprit, so look before blaming it.
    const exists = await (await this.blob(sourceKey)).exists().catch(() => true);
    if (!exists)
      return new ObjectNotFoundError(this.bucket, sourceKey, { provider: 'azure', cause: error });

    return translated;
  }

  private call(key: string, action: string, conditional = false): StoreCall {
    return { bucket: this.bucket, container: this.container, key, action, conditional };
  }

  private fail(error: unknown, key: string, action: string, conditional = false): never {
    throw toStoreError(error, this.call(key, action, conditional));
  }

  private async blob(key: string): Promise<BlockBlobClient> {
    return (await this.containerClient()).getBlockBlobClient(toBlobName(key));
  }

  private containerClient(): Promise<ContainerClient> {
    this.client ??= this.createClient().catch((error) => {
      this.client = undefined;
      throw error;
    });

    return this.client;
  }

  private async createClient(): Promise<ContainerClient> {
    const { client } = this.options;
    if (client && 'getBlockBlobClient' in client) return client;
    if (client) return client.getContainerClient(this.container);
    const service = await createBlobServiceClient(this.options, `Bucket ${this.bucket}`);

    return service.getContainerClient(this.container);
  }
}

function rangeError(bucket: string, key: string, start: number, size: number): InvalidConfigError {
  return new InvalidConfigError(
    `The range from byte ${start} is outside ${JSON.stringify(key)} in ${bucket}, which has ` +
      `${size} bytes; start must be below ${size}. Read head() first to learn the size.`,
    { provider: 'azure' },
  );
}

interface BlobProperties {
  contentLength?: number;
  etag?: string;
  lastModified?: Date;
  contentType?: string;
  metadata?: Record<string, string>;
}

function toInfo(key: string, properties: BlobProperties): ObjectInfo {
  return {
    key,
    size: properties.contentLength ?? 0,
    etag: quoted(properties.etag),
    lastModified: properties.lastModified ?? new Date(0),
    contentType: properties.contentType,
    metadata: { ...properties.metadata },
  };
}

function listedInfo(item: BlobItem): ObjectInfo {
  return toInfo(fromBlobName(item.name), { ...item.properties, metadata: item.metadata });
}

/** ETags in one spelling: headers quote them, list results do not. */
export function quoted(etag: string | undefined): string {
  if (!etag) return '';

  return etag.startsWith('"') ? etag : `"${etag}"`;
}

/** The whole object's size from a `Content-Range: bytes a-b/total` header. */
function totalSize(contentRange: string | undefined): number | undefined {
  const total = contentRange?.split('/')[1];
  const size = total === undefined ? Number.NaN : Number(total);

  return Number.isSafeInteger(size) ? size : undefined;
}

function toBuffer(data: PutData): Buffer | undefined {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);

  return undefined;
}

function toReadable(data: PutData): Readable {
  if (data instanceof Readable) return data;
  if (typeof (data as ReadableStream<Uint8Array>).getReader === 'function') {
    return Readable.fromWeb(data as import('node:stream/web').ReadableStream<Uint8Array>);
  }
  if (typeof (data as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === 'function') {
    return Readable.from(asBuffers(data as AsyncIterable<Uint8Array>), { objectMode: false });
  }

  throw new InvalidConfigError(
    'put() takes a string, a Uint8Array, a Node Readable, a Web ReadableStream or an async ' +
      'iterable of Uint8Array.',
    { provider: 'azure' },
  );
}

async function* asBuffers(source: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    yield Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
}
