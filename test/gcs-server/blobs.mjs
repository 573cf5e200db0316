// Object content as the test server keeps it: in memory, or in files under a directory so that
// a gigabyte object costs the server no memory. A writer hashes what it takes (CRC32C and MD5,
// as Cloud Storage reports them) and yields an immutable blob once finished.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { crc32cBase64, crc32cUpdate } from './crc32c.mjs';

/**
 * @typedef {object} Blob
 * @property {number} size
 * @property {string} crc32c base64 of the big-endian checksum
 * @property {string} md5 base64 of the digest
 * @property {(start: number, end: number) => Readable} read bytes `start` to `end`, inclusive
 * @property {() => Promise<void>} discard frees the content
 */

/** Collects the bytes of one object, across one request or several (resumable chunks). */
export class BlobWriter {
  /** @param {string | undefined} dir where content goes; memory when undefined */
  constructor(dir) {
    this.dir = dir;
    this.size = 0;
    this.crc = 0;
    this.md5 = createHash('md5');
    /** @type {Buffer[]} */
    this.parts = [];
    this.path = dir === undefined ? undefined : join(dir, `${randomUUID()}.blob`);
    /** @type {import('node:fs/promises').FileHandle | undefined} */
    this.handle = undefined;
  }

  /**
   * Appends a stream's bytes, dropping its first `skip` bytes (already received before).
   *
   * @param {AsyncIterable<Buffer>} source
   * @param {number} [skip]
   */
  async append(source, skip = 0) {
    let dropping = skip;
    if (this.path !== undefined && this.handle === undefined) {
      this.handle = await open(this.path, 'a');
    }
    for await (const incoming of source) {
      let chunk = incoming;
      if (dropping > 0) {
        const dropped = Math.min(dropping, chunk.length);
        chunk = chunk.subarray(dropped);
        dropping -= dropped;
        if (chunk.length === 0) continue;
      }
      await this.#take(chunk);
    }
  }

  /** @param {Buffer} chunk */
  async #take(chunk) {
    this.size += chunk.length;
    this.crc = crc32cUpdate(this.crc, chunk);
    this.md5.update(chunk);
    if (this.handle) await this.handle.write(chunk);
    else this.parts.push(Buffer.from(chunk));
  }

  /**
   * Ends the writer and returns the stored content.
   *
   * @returns {Promise<Blob>}
   */
  async finish() {
    await this.handle?.close();
    this.handle = undefined;
    const { size, path, parts } = this;
    const whole = path === undefined ? Buffer.concat(parts) : undefined;
    this.parts = [];

    return {
      size,
      crc32c: crc32cBase64(this.crc),
      md5: this.md5.digest('base64'),
      read: (start, end) => {
        if (end < start) return Readable.from([]);
        if (whole) return Readable.from([whole.subarray(start, end + 1)]);
        return createReadStream(/** @type {string} */ (path), { start, end });
      },
      discard: async () => {
        if (path !== undefined) await rm(path, { force: true });
      },
    };
  }

  /** Drops whatever was collected. */
  async abandon() {
    await this.handle?.close();
    this.handle = undefined;
    this.parts = [];
    if (this.path !== undefined) await rm(this.path, { force: true });
  }
}

/**
 * Copies a blob into a new one (a rewrite keeps no link to its source).
 *
 * @param {Blob} blob
 * @param {string | undefined} dir
 * @returns {Promise<Blob>}
 */
export async function copyBlob(blob, dir) {
  const writer = new BlobWriter(dir);
  await writer.append(blob.read(0, blob.size - 1));

  return writer.finish();
}
