import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  type CapabilityDeclaration,
  FEATURES,
  type ObjectInfo,
  ObjectNotFoundError,
  type ObjectStore,
  type PutData,
  UnsupportedError,
} from '@cloudport/core';

/** Defects a test can give the store, to show that the suite catches them. */
export interface StoreDefects {
  /** Reads the whole source into memory before writing any of it. */
  bufferWrites?: boolean;
  /** Reads the whole object into memory before handing the first chunk over. */
  bufferReads?: boolean;
  /** Pushes the object to the reader as fast as the disk gives it, however slow the reader. */
  ignoreBackpressure?: boolean;
}

/** The declaration of the folder store: streaming writes, nothing else. */
export const FOLDER_STORE_CAPABILITIES: CapabilityDeclaration = {
  implementation: 'folder',
  title: 'Folder',
  features: Object.fromEntries(
    FEATURES.map(({ id }) => [id, { support: 'no', note: 'not in the folder store' }]),
  ) as CapabilityDeclaration['features'],
};
FOLDER_STORE_CAPABILITIES.features['store.stream-write'] = { support: 'yes' };

const name = (key: string) => createHash('sha256').update(key).digest('hex');

/** A store of files in one folder, for the streaming cases only; keys are not checked. */
export class FolderStore implements ObjectStore {
  readonly bucket = 'folder';

  constructor(
    readonly dir: string,
    private readonly defects: StoreDefects = {},
  ) {}

  /** Bytes staged so far for an upload of `key` in progress. */
  async staged(key: string): Promise<number> {
    return (await stat(this.staging(key)).catch(() => ({ size: 0 }))).size;
  }

  async put(key: string, data: PutData) {
    await mkdir(this.dir, { recursive: true });
    const source =
      typeof data === 'string' || data instanceof Uint8Array
        ? Readable.from([Buffer.from(data)])
        : data instanceof ReadableStream
          ? Readable.fromWeb(data as never)
          : Readable.from(data as AsyncIterable<Uint8Array>);
    if (this.defects.bufferWrites) {
      const chunks: Buffer[] = [];
      for await (const chunk of source) chunks.push(Buffer.from(chunk));
      await writeFile(this.staging(key), Buffer.concat(chunks));
    } else {
      await pipeline(source, createWriteStream(this.staging(key)));
    }
    await rename(this.staging(key), this.path(key));

    return { key, etag: name(String(Date.now())) };
  }

  async head(key: string): Promise<ObjectInfo> {
    const found = await stat(this.path(key)).catch(() => undefined);
    if (!found) throw new ObjectNotFoundError(this.bucket, key);

    return { key, size: found.size, etag: '"x"', lastModified: found.mtime, metadata: {} };
  }

  async get(key: string) {
    const info = await this.head(key);
    if (this.defects.bufferReads) {
      const whole = await readFile(this.path(key));
      const parts = Array.from({ length: Math.ceil(whole.length / 65_536) }, (_, n) =>
        whole.subarray(n * 65_536, (n + 1) * 65_536),
      );
      return { info, body: Readable.from(parts) };
    }
    const file = createReadStream(this.path(key));
    if (!this.defects.ignoreBackpressure) return { info, body: file };
    const body = new PassThrough({ highWaterMark: 1 });
    file.on('data', (chunk) => body.push(chunk));
    file.on('end', () => body.push(null));

    return { info, body };
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  async list(): Promise<never> {
    throw new UnsupportedError('store.list', 'the folder store cannot list');
  }

  async copy(): Promise<never> {
    throw new UnsupportedError('store.copy', 'the folder store cannot copy');
  }

  async signedUrl(): Promise<never> {
    throw new UnsupportedError('store.signed-url', 'the folder store has no URLs');
  }

  private path(key: string): string {
    return join(this.dir, name(key));
  }

  private staging(key: string): string {
    return join(this.dir, `${name(key)}.staging`);
  }
}
