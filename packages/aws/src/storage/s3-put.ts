import type { Readable } from 'node:stream';
import type { PutObjectCommandInput, S3Client } from '@aws-sdk/client-s3';
import type { PutData } from '@cloudport/core';
import { loadS3, loadUpload } from '../sdk.js';

/** The object a write targets: bucket, key, content type, metadata and preconditions. */
export type PutTarget = Pick<
  PutObjectCommandInput,
  'Bucket' | 'Key' | 'ContentType' | 'Metadata' | 'IfNoneMatch' | 'IfMatch'
>;

/** How streamed writes are uploaded. */
export interface UploadSettings {
  partSize?: number | undefined;
  queueSize?: number | undefined;
  signal?: AbortSignal | undefined;
}

const MIB = 1024 * 1024;
/** Default part size of streamed uploads. */
export const DEFAULT_PART_BYTES = 8 * MIB;
/** Default number of parts in flight at once. */
export const DEFAULT_QUEUE_SIZE = 4;

/**
 * Writes data to S3 and returns the new ETag. Text and bytes go in one PutObject; streams go
 * through `@aws-sdk/lib-storage`, which uploads parts while the source is still being read
 * (a single PutObject when the stream ends within the first part). Preconditions ride on the
 * PutObject or on CompleteMultipartUpload, where S3 checks them.
 */
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
export async function putObject(
  client: S3Client,
  target: PutTarget,
  data: PutData,
  settings: UploadSettings,
): Promise<string> {
  if (typeof data === 'string' || data instanceof Uint8Array) {
    const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const sdk = await loadS3();
    const output = await client.send(
      new sdk.PutObjectCommand({ ...target, Body: body, ContentLength: body.byteLength }),
      { abortSignal: settings.signal },
    );
    return output.ETag ?? '';
  }
  const { Upload } = await loadUpload();
  const upload = new Upload({
    client,
    params: { ...target, Body: await toReadable(data) },
    partSize: settings.partSize ?? DEFAULT_PART_BYTES,
    queueSize: settings.queueSize ?? DEFAULT_QUEUE_SIZE,
    leavePartsOnError: false,
  });
  const abort = () => void upload.abort();
  settings.signal?.addEventListener('abort', abort, { once: true });
  try {
    const output = await upload.done();
    return output.ETag ?? '';
  } finally {
    settings.signal?.removeEventListener('abort', abort);
  }
}

async function toReadable(data: Exclude<PutData, string | Uint8Array>): Promise<Readable> {
  // node:stream is loaded here, on the first streamed write, not at cold start.
  const { Readable } = await import('node:stream');
  if (data instanceof Readable) return data;
  if (typeof (data as ReadableStream<Uint8Array>).getReader === 'function') {
    return Readable.fromWeb(data as import('node:stream/web').ReadableStream<Uint8Array>);
  }

  return Readable.from(data as AsyncIterable<Uint8Array>);
}
