import type { Readable } from 'node:stream';
import type {
  GetObjectCommandOutput,
  HeadObjectCommandOutput,
  S3Client,
  S3ClientConfig,
} from '@aws-sdk/client-s3';
import {
  type GetOptions,
  type ListOptions,
  type ListPage,
  type ObjectContent,
  type ObjectInfo,
  type ObjectStore,
  type PutData,
  type PutOptions,
  type PutResult,
  type SignedUrlOptions,
  UnsupportedError,
} from '@cloudport/core';
import { loadPresigner, loadS3, resolveClient, type S3Sdk } from '../sdk.js';
import {
  checkKey,
  checkPutOptions,
  fromS3Metadata,
  pageLimit,
  signedUrlSeconds,
  toRangeHeader,
} from './s3-checks.js';
import { isNotFound, type S3Failure, toStoreError } from './s3-errors.js';
import { type PutTarget, putObject } from './s3-put.js';
import { presignUrl } from './s3-sign.js';

/** What an S3-compatible server lacks; AWS S3 itself needs none of these switched off. */
export interface S3Compatibility {
  /**
   * The server honours `If-None-Match` and `If-Match` on PutObject. When false, createOnly and
   * ifMatch writes raise `UNSUPPORTED` instead of being silently unconditional. Default true.
   */
  conditionalWrites?: boolean;
  /**
   * The server honours `If-None-Match` and `If-Match` on CopyObject. When false, a copy with a
   * precondition streams the source through this process into a conditional PutObject.
   * Default true.
   */
  conditionalCopy?: boolean;
}

/** Options of {@link createS3Store}. */
export interface S3StoreOptions {
  /** The bucket's logical name, as handlers see it. */
  bucket: string;
  /** The S3 bucket's name. Defaults to `bucket`. */
  physicalName?: string;
  /** An S3 client, or a function giving one; by default one is made from `clientConfig`. */
  client?: S3Client | (() => Promise<S3Client>);
  /** Configuration of the client made when none is given (region, endpoint, credentials). */
  clientConfig?: S3ClientConfig;
  /** Part size of streamed multipart uploads, at least 5 MiB. Defaults to 8 MiB. */
  partSizeBytes?: number;
  /** Parts uploaded at once; memory use is about `partSizeBytes * queueSize`. Defaults to 4. */
  queueSize?: number;
  /** Switches for S3-compatible servers that lack conditional requests. */
  compatibility?: S3Compatibility;
}

/**
 * An object store over one S3 bucket. Reads stream (with ranges); writes of streams upload in
 * parts while the source is read, so memory stays near `partSizeBytes * queueSize` whatever
 * the object's size. The SDK is loaded on first use.
 *
 * @example
 * const store = createS3Store({ bucket: 'uploads', physicalName: 'acme-prod-uploads' });
 * await store.put('2026/a.csv', createReadStream('a.csv'), { contentType: 'text/csv' });
 */
export function createS3Store(options: S3StoreOptions): ObjectStore {
  return new S3Store(options);
}

class S3Store implements ObjectStore {
  readonly bucket: string;
  private readonly physicalName: string;
  private readonly options: S3StoreOptions;
  private client: Promise<S3Client> | undefined;

  constructor(options: S3StoreOptions) {
    this.options = options;
    this.bucket = options.bucket;
    this.physicalName = options.physicalName ?? options.bucket;
  }

  async get(key: string, options: GetOptions = {}): Promise<ObjectContent> {
    const Range = toRangeHeader(checkKey(key), options.range);
    const output = await this.call({ action: 'read', key }, (sdk, client) =>
      client.send(new sdk.GetObjectCommand({ Bucket: this.physicalName, Key: key, Range }), {
        abortSignal: options.signal,
      }),
    );
    const body = output.Body;
    if (typeof (body as Readable | undefined)?.pipe !== 'function') {
      throw toStoreError(new TypeError('GetObject returned no Node stream body.'), {
        action: 'read',
        key,
        ...this.names(),
      });
    }

    return { info: this.toInfo(key, output), body: body as Readable };
  }

  async head(key: string): Promise<ObjectInfo> {
    checkKey(key);
    const output = await this.call({ action: 'head', key }, (sdk, client) =>
      client.send(new sdk.HeadObjectCommand({ Bucket: this.physicalName, Key: key })),
    );

    return this.toInfo(key, output);
  }

  async put(key: string, data: PutData, options: PutOptions = {}): Promise<PutResult> {
    checkKey(key);
    const metadata = checkPutOptions(key, options);
    this.checkConditional(options, 'write');
    const precondition = preconditionOf(options);
    const target: PutTarget = {
      Bucket: this.physicalName,
      Key: key,
      ContentType: options.contentType,
      Metadata: metadata,
      IfNoneMatch: options.createOnly ? '*' : undefined,
      IfMatch: options.ifMatch,
    };
    const etag = await this.call({ action: 'write', key, precondition }, async (_sdk, client) =>
      putObject(client, target, data, { ...this.uploadSettings(), signal: options.signal }),
    );

    return { key, etag };
  }

  async list(options: ListOptions = {}): Promise<ListPage> {
    const MaxKeys = pageLimit(options.limit);
    const output = await this.call({ action: 'list', key: options.prefix ?? '' }, (sdk, client) =>
      client.send(
        new sdk.ListObjectsV2Command({
          Bucket: this.physicalName,
          Prefix: options.prefix || undefined,
          ContinuationToken: options.cursor,
          MaxKeys,
        }),
      ),
    );
    const objects = (output.Contents ?? []).map((item) => ({
      key: item.Key ?? '',
      size: item.Size ?? 0,
      etag: item.ETag ?? '',
      lastModified: item.LastModified ?? new Date(0),
      metadata: {},
    }));
    const cursor = output.IsTruncated ? output.NextContinuationToken : undefined;

    return { objects, cursor };
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    await this.call({ action: 'delete', key }, (sdk, client) =>
      client.send(new sdk.DeleteObjectCommand({ Bucket: this.physicalName, Key: key })),
    );
  }

  async copy(sourceKey: string, targetKey: string, options: PutOptions = {}): Promise<PutResult> {
    checkKey(sourceKey);
    checkKey(targetKey);
    const metadata = checkPutOptions(targetKey, options);
    this.checkConditional(options, 'copy');
    const precondition = preconditionOf(options);
    if (precondition && this.options.compatibility?.conditionalCopy === false) {
      return this.copyThroughPut(sourceKey, targetKey, options);
    }
    const replace = options.contentType !== undefined || options.metadata !== undefined;
    const failure = { action: 'copy', key: targetKey, sourceKey, precondition };
    const output = await this.call(failure, async (sdk, client) => {
      try {
        return await client.send(
          new sdk.CopyObjectCommand({
            Bucket: this.physicalName,
            Key: targetKey,
            CopySource: copySource(this.physicalName, sourceKey),
            MetadataDirective: replace ? 'REPLACE' : 'COPY',
            ContentType: replace ? options.contentType : undefined,
            Metadata: replace ? (metadata ?? {}) : undefined,
            IfNoneMatch: options.createOnly ? '*' : undefined,
            IfMatch: options.ifMatch,
          }),
        );
      } catch (error) {
        // A 404 names neither the source nor an ifMatch target; only a head tells them apart.
        if (precondition !== 'ifMatch' || !isNotFound(error, 'copy')) throw error;
        const sourceExists = await this.exists(sdk, client, sourceKey);
        throw toStoreError(error, { ...failure, ...this.names(), sourceExists });
      }
    });

    return { key: targetKey, etag: output.CopyObjectResult?.ETag ?? '' };
  }

  async signedUrl(key: string, options: SignedUrlOptions = {}): Promise<string> {
    checkKey(key);
    const expiresIn = signedUrlSeconds(options.expiresInSeconds);
    const presigner = await loadPresigner();
    const target = {
      Bucket: this.physicalName,
      Key: key,
      method: options.method === 'PUT' ? ('PUT' as const) : ('GET' as const),
      contentType: options.contentType,
      expiresIn,
    };

    return this.call({ action: 'sign a URL for', key }, (sdk, client) =>
      presignUrl(sdk, presigner, client, target),
    );
  }

  /** Streams the source through this process into a conditional put of the target. */
  private async copyThroughPut(sourceKey: string, targetKey: string, options: PutOptions) {
    const source = await this.get(sourceKey);
    const replace = options.contentType !== undefined || options.metadata !== undefined;

    return this.put(targetKey, source.body, {
      ...options,
      contentType: replace ? options.contentType : source.info.contentType,
      metadata: replace ? options.metadata : source.info.metadata,
    });
  }

  /** Whether a key holds an object now; any failure to tell counts as no. */
  private async exists(sdk: S3Sdk, client: S3Client, key: string): Promise<boolean> {
    const head = new sdk.HeadObjectCommand({ Bucket: this.physicalName, Key: key });

    return client.send(head).then(
      () => true,
      () => false,
    );
  }

  private checkConditional(options: PutOptions, what: string): void {
    if (this.options.compatibility?.conditionalWrites !== false) return;
    if (!options.createOnly && options.ifMatch === undefined) return;
    const feature = options.createOnly ? 'store.create-only' : 'store.if-match';

    throw new UnsupportedError(
      feature,
      `the S3 server behind ${this.bucket} is configured without conditional requests ` +
        `(compatibility.conditionalWrites: false), so this ${what} cannot be made conditional.`,
      { provider: 'aws' },
    );
  }

  private toInfo(key: string, output: GetObjectCommandOutput | HeadObjectCommandOutput) {
    const total = /\/(\d+)$/.exec(output.ContentRange ?? '')?.[1];

    return {
      key,
      size: total === undefined ? (output.ContentLength ?? 0) : Number(total),
      etag: output.ETag ?? '',
      lastModified: output.LastModified ?? new Date(0),
      contentType: output.ContentType,
      metadata: fromS3Metadata(output.Metadata),
    };
  }

  private uploadSettings() {
    return { partSize: this.options.partSizeBytes, queueSize: this.options.queueSize };
  }

  private names() {
    return { bucket: this.bucket, physicalName: this.physicalName };
  }

  private async call<T>(
    failure: Omit<S3Failure, 'bucket' | 'physicalName'>,
    send: (sdk: S3Sdk, client: S3Client) => Promise<T>,
  ): Promise<T> {
    try {
      const [sdk, client] = await Promise.all([loadS3(), this.connect()]);
      return await send(sdk, client);
    } catch (error) {
      throw toStoreError(error, { ...failure, ...this.names() });
    }
  }

  private connect(): Promise<S3Client> {
    this.client ??= resolveClient(this.options.client, () =>
      loadS3().then((sdk) => new sdk.S3Client(this.options.clientConfig ?? {})),
    );

    return this.client;
  }
}

function preconditionOf(options: PutOptions): S3Failure['precondition'] {
  if (options.createOnly) return 'createOnly';

  return options.ifMatch === undefined ? undefined : 'ifMatch';
}

/** `CopySource` is `<bucket>/<key>` URL-encoded, with the key's slashes kept. */
function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}
