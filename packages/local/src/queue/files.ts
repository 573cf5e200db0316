import { mkdir, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidEventError, ProviderError } from '@cloudport/core';
import type { SpareFiles } from '../spare-files.js';

/**
 * The folders that hold a queue's messages; a message's state is the folder its file is in.
 *
 * - `ready`: waiting for delivery, now or after the time in its name;
 * - `inflight`: delivered and not yet settled;
 * - `dead`: set aside with a reason, until replayed.
 */
export type Folder = 'ready' | 'inflight' | 'dead';

/** Where one message file is. */
export interface Location {
  folder: Folder;
  name: string;
}

/** What a message file's name says: id, deliveries so far, when it may be delivered, flags. */
export interface FileFacts {
  id: string;
  deliveries: number;
  /** Milliseconds since the epoch; 0 when the message may be delivered at once. */
  visibleAt: number;
  /** Whether the header holds an ordering key or deduplication id, read on recovery. */
  keyed: boolean;
  deduplicated: boolean;
}

/** The header line of a message file; the body's bytes follow it. */
export interface MessageHeader {
  id: string;
  sentAt: number;
  attributes?: Record<string, string>;
  orderingKey?: string;
  deduplicationId?: string;
  reason?: string;
  deadLetteredAt?: number;
}

const NEWLINE = 0x0a;
const NAME_PATTERN = /^([0-9a-z]{21})\.(\d{1,9})\.(\d{1,16})\.(-|k|d|kd)$/;

/** The file name of a message: `<id>.<deliveries>.<visibleAt>.<flags>`. */
export function formatName(facts: FileFacts): string {
  const flags = `${facts.keyed ? 'k' : ''}${facts.deduplicated ? 'd' : ''}` || '-';

  return `${facts.id}.${facts.deliveries}.${facts.visibleAt}.${flags}`;
}

/** Reads a file name written by {@link formatName}; undefined for any other name. */
export function parseName(name: string): FileFacts | undefined {
  const match = NAME_PATTERN.exec(name);
  if (!match) return undefined;
  const flags = match[4] as string;

  return {
    id: match[1] as string,
    deliveries: Number(match[2]),
    visibleAt: Number(match[3]),
    keyed: flags.includes('k'),
    deduplicated: flags.includes('d'),
  };
}

/** Lays a message out as one JSON header line followed by the body's bytes. */
export function encodeFile(header: MessageHeader, body: Uint8Array): Buffer {
  const head = Buffer.from(`${JSON.stringify(header)}\n`, 'utf8');

  return Buffer.concat([head, body], head.length + body.length);
}

/** Splits a message file into its header and body; `path` names the file in errors. */
export function decodeFile(bytes: Buffer, path: string): { header: MessageHeader; body: Buffer } {
  const end = bytes.indexOf(NEWLINE);
  let header: MessageHeader | undefined;
  try {
    if (end > 0) header = JSON.parse(bytes.subarray(0, end).toString('utf8')) as MessageHeader;
  } catch (cause) {
    throw new InvalidEventError(`Queue file ${path} has an unreadable header.`, { cause });
  }
  if (!header || typeof header.id !== 'string' || typeof header.sentAt !== 'number') {
    throw new InvalidEventError(
      `Queue file ${path} is not a message file; move it out of the queue folder.`,
    );
  }

  return { header, body: bytes.subarray(end + 1) };
}

/** True when a queue file operation failed because the file is not there. */
export function isMissingFile(error: unknown): boolean {
  return (error as { cause?: { code?: unknown } } | undefined)?.cause?.code === 'ENOENT';
}

/** File operations on one queue folder, each failure raised as a `PROVIDER_ERROR`. */
export class QueueFiles {
  readonly dir: string;
  private readonly spares: SpareFiles | undefined;
  private tmpCounter = 0;

  /** `spares`, when given, must serve this folder's filesystem (`SpareFiles.serves`). */
  constructor(dir: string, spares?: SpareFiles) {
    this.dir = dir;
    this.spares = spares;
  }

  path(location: Location): string {
    return join(this.dir, location.folder, location.name);
  }

  /** Creates the queue's own folder, before its lock is taken. */
  async createRoot(): Promise<void> {
    await this.attempt('create', this.dir, () => mkdir(this.dir, { recursive: true }));
  }

  /** Creates the folders and empties `tmp`, whose files are writes that never finished. */
  async prepare(): Promise<void> {
    const tmp = join(this.dir, 'tmp');
    await this.attempt('clear', tmp, () => rm(tmp, { recursive: true, force: true }));
    for (const folder of ['ready', 'inflight', 'dead', 'tmp']) {
      const path = join(this.dir, folder);
      await this.attempt('create', path, () => mkdir(path, { recursive: true }));
    }
  }

  /** Names of the files in one folder. */
  list(folder: Folder): Promise<string[]> {
    const path = join(this.dir, folder);

    return this.attempt('list', path, () => readdir(path));
  }

  /** Writes a new file atomically: to `tmp` (or a spare file) first, then renamed into place. */
  async create(location: Location, data: Uint8Array): Promise<void> {
    this.tmpCounter += 1;
    const tmp = this.spares?.take() ?? join(this.dir, 'tmp', `${process.pid}-${this.tmpCounter}`);
    const target = this.path(location);
    await this.attempt('write', tmp, () => writeFile(tmp, data));
    await this.attempt('move', target, () => rename(tmp, target));
  }

  move(from: Location, to: Location): Promise<void> {
    const source = this.path(from);

    return this.attempt('move', source, () => rename(source, this.path(to)));
  }

  remove(location: Location): Promise<void> {
    const path = this.path(location);

    return this.attempt('delete', path, () => unlink(path));
  }

  /**
   * Removes the file of a settled message, keeping it as a spare when the queue has a pool.
   * Only for files nothing reads any more: every read of a message runs before its settlement.
   */
  recycle(location: Location): Promise<void> {
    const path = this.path(location);
    const spares = this.spares;
    if (spares === undefined) return this.remove(location);

    return this.attempt('delete', path, () => spares.retire(path));
  }

  read(location: Location): Promise<Buffer> {
    const path = this.path(location);

    return this.attempt('read', path, () => readFile(path));
  }

  private async attempt<R>(action: string, path: string, run: () => Promise<R>): Promise<R> {
    try {
      return await run();
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code ?? 'unknown';
      throw new ProviderError(
        `Local queue could not ${action} ${path} (${code}); check that the folder exists, ` +
          'is writable, and is not changed by another program.',
        { provider: 'local', cause },
      );
    }
  }
}
