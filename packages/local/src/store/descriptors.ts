import {
  type BigIntStats,
  close,
  closeSync,
  fstatSync,
  fsync,
  ftruncate,
  open,
  read,
  rename,
  unlink,
  write,
  writev,
} from 'node:fs';
import { promisify } from 'node:util';

// Plain descriptors and callback calls rather than `FileHandle`s: a store call makes several
// file calls on small files, and each `FileHandle` costs an object, a promise per call and
// close bookkeeping that the callback API does not.

/** Opens a file and resolves to its descriptor. */
export const openFd = promisify(open);
/** Reads into `buffer` at a file position; resolves to the bytes read and the buffer. */
export const readFd = promisify(read);
/** Writes a buffer at a file position; resolves to the bytes written and the buffer. */
export const writeFd = promisify(write) as (
  fd: number,
  buffer: Uint8Array,
  offset: number,
  length: number,
  position: number,
) => Promise<{ bytesWritten: number }>;
/** Writes several buffers at a file position with one call. */
export const writevFd = promisify(writev) as (
  fd: number,
  buffers: ReadonlyArray<Uint8Array>,
  position: number,
) => Promise<{ bytesWritten: number }>;
/** Flushes an open file to disk. */
export const syncFd = promisify(fsync);
/** Cuts (or extends) an open file to a length. */
export const truncateFd = promisify(ftruncate);
/** Renames a file, replacing the target. */
export const renamePath = promisify(rename);
const unlinkPath = promisify(unlink);

/** Closes a descriptor; a failure to close is of no use to callers. */
export function closeFd(fd: number): Promise<void> {
  return new Promise((done) => {
    close(fd, () => done());
  });
}

// The next two never touch the disk: they read or drop the kernel's in-memory state of an open
// file. A call through the thread pool costs tens of microseconds in hand-offs between threads;
// these cost one or two, so they run at once on the calling thread.

/** The stats of an open file, with nanosecond times, read at once. */
export function statOpenFd(fd: number): BigIntStats {
  return fstatSync(fd, { bigint: true });
}

/** Closes a descriptor that was only read from, at once; a failure to close is ignored. */
export function releaseFd(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Nothing was written through it, so nothing can be lost.
  }
}

/** Deletes a file if it is there; one call, where `rm` with `force` makes several. */
export async function removeFile(path: string): Promise<void> {
  try {
    await unlinkPath(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** Writes every byte of `buffers` at `position`, calling again after a partial write. */
export async function writeAll(fd: number, buffers: Uint8Array[], position: number) {
  let pending = buffers;
  let offset = position;
  while (pending.length > 0) {
    const { bytesWritten } =
      pending.length === 1
        ? await writeFd(fd, pending[0]!, 0, pending[0]!.byteLength, offset)
        : await writevFd(fd, pending, offset);
    if (bytesWritten === 0) {
      throw Object.assign(new Error('the filesystem took no bytes'), {
        code: 'EIO',
        syscall: 'write',
      });
    }
    offset += bytesWritten;
    let skip = bytesWritten;
    const rest: Uint8Array[] = [];
    for (const buffer of pending) {
      if (skip >= buffer.byteLength) {
        skip -= buffer.byteLength;
      } else {
        rest.push(skip > 0 ? buffer.subarray(skip) : buffer);
        skip = 0;
      }
    }
    pending = rest;
  }
}

// Sidecars are a few hundred bytes; one read of this size takes them whole.
const FIRST_READ_BYTES = 16 * 1024;

/**
 * Reads and decodes a small file with one open, one read and one close when the file fits
 * the first read. `decode` returns undefined for bytes that are no complete document; after
 * a short first read that happens only if the file really ends there or was cut short on the
 * way, so the file is then read on to its end and decoded once more.
 */
export async function readSmallFile<T>(
  path: string,
  decode: (bytes: Buffer) => T | undefined,
): Promise<T | undefined> {
  const fd = await openFd(path, 'r');
  try {
    let buffer = Buffer.allocUnsafe(FIRST_READ_BYTES);
    let length = 0;
    let first = true;
    for (;;) {
      if (length === buffer.byteLength) {
        const larger = Buffer.allocUnsafe(buffer.byteLength * 2);
        buffer.copy(larger, 0, 0, length);
        buffer = larger;
      }
      const { bytesRead } = await readFd(fd, buffer, length, buffer.byteLength - length, length);
      length += bytesRead;
      if (bytesRead === 0) break;
      // A regular file reads short only at its end, so this is almost always the last read.
      if (first && length < buffer.byteLength) {
        const decoded = decode(buffer.subarray(0, length));
        if (decoded !== undefined) return decoded;
      }
      first = false;
    }

    return decode(buffer.subarray(0, length));
  } finally {
    releaseFd(fd);
  }
}

/** Reads `length` bytes from `position` of an open file, fewer only if the file ends first. */
export async function readRange(fd: number, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await readFd(fd, buffer, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }

  return done === length ? buffer : buffer.subarray(0, done);
}
