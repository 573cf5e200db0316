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
}

// A message found in two folders is mid-move: a dead-letter writes the dead copy before it
// deletes the live one, so the dead copy wins; renames never leave two copies.
const PRECEDENCE: ReadonlyArray<Folder> = ['dead', 'inflight', 'ready'];

/**
 * Scans a queue folder once and returns its messages in send order: parses every file name,
 * drops copies left by an interrupted dead-letter, reads the headers of live messages with an
 * ordering key or deduplication id, and moves `clock` past every id found. Files whose names
 * are not message names are left alone, with a warning; unreadable keyed files are skipped.
 */
export async function scanQueueFolder(
  files: QueueFiles,
  clock: IdClock,
  logger: Logger,
): Promise<FoundMessage[]> {
  const seen = new Map<string, FoundMessage>();
  const strays: string[] = [];
  for (const folder of PRECEDENCE) {
    for (const name of await files.list(folder)) {
      const facts = parseName(name);
      const location: Location = { folder, name };
      if (!facts) {
        strays.push(files.path(location));
        continue;
      }
      if (seen.has(facts.id)) {
        await files.remove(location);
        continue;
      }
      seen.set(facts.id, { facts, location, header: undefined, body: undefined });
    }
  }
  if (strays.length > 0) {
    logger.warn('queue folder holds files that are not messages; they are ignored', {
      dir: files.dir,
      files: strays.slice(0, 10),
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
    if (needsHeader && !(await readHeader(files, message, logger))) continue;
    messages.push(message);
  }

  return messages;
}

async function readHeader(
  files: QueueFiles,
  message: FoundMessage,
  logger: Logger,
): Promise<boolean> {
  const path = files.path(message.location);
  try {
    const { header, body } = decodeFile(await files.read(message.location), path);
    message.header = header;
    message.body = body;
    return true;
  } catch (error) {
    logger.error('queue message file is unreadable and is skipped; move it out of the folder', {
      path,
      error,
    });
    return false;
  }
}
