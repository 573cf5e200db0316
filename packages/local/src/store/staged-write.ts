import { createHash } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import { closeFd, removeFile, statOpenFd, syncFd, writeAll } from './descriptors.js';
import type { ChunkSource } from './put-data.js';
import { fillSpare, openStaged } from './sidecar.js';

/** What staging wrote: the content's ETag and size, and the staged file's stats. */
export interface StagedFile {
  etag: string;
  size: number;
  stats: BigIntStats;
}

/** Options of {@link stageWrite}. */
export interface StageOptions {
  signal?: AbortSignal | undefined;
  /** Largest object allowed; `tooLarge` builds the error once the bytes pass it. */
  maxBytes: number;
  tooLarge: (size: number) => Error;
  /** Flush the file to disk before returning. */
  sync: boolean;
  /** `path` is a spare file to fill and cut to length, not a new file to create. */
  spare: boolean;
}

// Chunks are written in batches of about this size with one writev call, so that a source of
// small pieces costs few system calls; at most one batch is in flight while the next fills.
const BATCH_BYTES = 1024 * 1024;
// Most buffers one writev call takes on common platforms (IOV_MAX).
const BATCH_BUFFERS = 1024;

/**
 * Streams a chunk source into a new (or spare) file while hashing it (SHA-256, the ETag). At
 * most one batch is being written while the next is read and hashed, so memory stays bounded by
 * about two batches whatever the object's size.
 */
export async function stageWrite(
  path: string,
  source: ChunkSource,
  options: StageOptions,
): Promise<StagedFile> {
  const fd = await openStaged(path, options.spare);
  const hash = createHash('sha256');
  let size = 0;
  let position = 0;
  let inFlight: Promise<void> | undefined;
  let batch: Uint8Array[] = [];
  let batchBytes = 0;

  const flush = async (): Promise<void> => {
    await inFlight;
    if (batch.length === 0) return;
    const write = writeAll(fd, batch, position);
    // Marked handled now; the failure still surfaces at the next await of inFlight.
    write.catch(() => undefined);
    inFlight = write;
    position += batchBytes;
    batch = [];
    batchBytes = 0;
  };

  try {
    for await (const chunk of source.chunks) {
      options.signal?.throwIfAborted();
      if (chunk.byteLength === 0) continue;
      size += chunk.byteLength;
      if (size > options.maxBytes) throw options.tooLarge(size);
      hash.update(chunk);
      // A producer that may reuse its buffer gets a copy; streams hand theirs over.
      batch.push(source.owned ? chunk : Buffer.from(chunk));
      batchBytes += chunk.byteLength;
      if (batchBytes >= BATCH_BYTES || batch.length >= BATCH_BUFFERS) await flush();
    }
    options.signal?.throwIfAborted();
    await flush();
    await inFlight;
    const stats = options.spare ? await fillSpare(fd, size) : statOpenFd(fd);
    if (options.sync) await syncFd(fd);
    await closeFd(fd);

    return { etag: `"${hash.digest('hex')}"`, size, stats };
  } catch (error) {
    await inFlight?.catch(() => undefined);
    await closeFd(fd);
    await removeFile(path);
    throw error;
  }
}
