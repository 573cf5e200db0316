import type { Logger } from '@cloudport/core';
import {
  decodeFile,
  type FileFacts,
  type Folder,
  type Location,
  type MessageHeader,
  parseName,
  type QueueFiles,
} from './files.js';
import type { IdClock } from './ids.js';

/** A message file found on open, with the header when its name says it carries a key. */
export interface FoundMessage {
  facts: FileFacts;
  location: Location;
  /** Read for messages with an ordering key or deduplication id; the index needs those. */
  header: MessageHeader | undefined;
  body: Uint8Array | undefined;
  /** Why the header could not be read; the queue dead-letters such a file as raw bytes. */
  unreadable: string | undefined;
}

/** What a scan found: messages in send order, and files that are not messages. */
export interface ScannedFolder {
  messages: FoundMessage[];
  strays: Location[];
}

// A message found in two folders is mid-move: a dead-letter writes the dead copy before it
// deletes the live one, so the dead copy wins; renames never leave two copies.
const PRECEDENCE: ReadonlyArray<Folder> = ['dead', 'inflight', 'ready'];

/**
 * Scans a queue folder once and returns its messages in send order: parses every file name,
 * drops copies left by an interrupted dead-letter, reads the headers of live messages with an
 * ordering key or deduplication id, and moves `clock` past every id found. Files whose names
 * are not message names are returned as strays, and keyed files whose header does not read
 * are returned marked `unreadable`, so that the queue dead-letters both rather than drop them.
 */
export async function scanQueueFolder(
  files: QueueFiles,
  clock: IdClock,
  logger: Logger,
): Promise<ScannedFolder> {
  const seen = new Map<string, FoundMessage>();
  const strays: Location[] = [];
  for (const folder of PRECEDENCE) {
    for (const name of await files.list(folder)) {
      const facts = parseName(name);
      const location: Location = { folder, name };
      if (!facts) {
        strays.push(location);
        continue;
      }
      if (seen.has(facts.id)) {
        await files.remove(location);
        continue;
      }
      const found = { facts, location, header: undefined, body: undefined, unreadable: undefined };
      seen.set(facts.id, found);
    }
  }
  if (strays.length > 0) {
    logger.error('queue folder holds files that are not messages; they are dead-lettered', {
      dir: files.dir,
      files: strays.slice(0, 10).map((stray) => files.path(stray)),
      count: strays.length,
    });
  }

  const found = [...seen.values()].sort((a, b) => (a.facts.id < b.facts.id ? -1 : 1));
  const last = found.at(-1);
  if (last) clock.observe(last.facts.id);
  const messages: FoundMessage[] = [];
  for (const message of found) {
    const { facts, location } = message;
    const needsHeader = location.folder !== 'dead' && (facts.keyed || facts.deduplicated);
    if (needsHeader) await readHeader(files, message, logger);
    messages.push(message);
  }

  return { messages, strays };
}

async function readHeader(files: QueueFiles, message: FoundMessage, logger: Logger): Promise<void> {
  const path = files.path(message.location);
  try {
    const { header, body } = decodeFile(await files.read(message.location), path);
    message.header = header;
    message.body = body;
  } catch (error) {
    logger.error('queue message file is unreadable; it is dead-lettered with its bytes', {
      path,
      error,
    });
    message.unreadable = `unreadable message file ${path}: ${(error as Error).message}`;
  }
}
