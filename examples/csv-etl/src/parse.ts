import type { Readable } from 'node:stream';
import {
  deadLetter,
  type HandlerContext,
  isCloudportError,
  type ObjectContent,
  type ObjectEvent,
} from '@cloudport/core';
import { KEYS, toFileId } from './keys.js';
import type { FileRef, Manifest } from './model.js';
import { readOrders } from './read-orders.js';
import { finishFile } from './report.js';
import { reports, uploads } from './resources.js';
import { createRowSender } from './row-sender.js';
import { putJsonOnce, readJson } from './storage.js';

/**
 * Handles a new CSV upload: streams it, sends its valid rows in numbered batches to `rows` and
 * then each invalid row to `invalid-rows`, records the file's manifest create-only, and tries
 * to finish the file. A redelivered event whose manifest exists skips straight to finishing.
 * A file rejected as a whole sends no invalid row, gets a `rejected` report, and its event is
 * dead-lettered with the reason.
 */
export async function parseUpload(event: ObjectEvent, context: HandlerContext): Promise<void> {
  const { info, body } = await openUpload(event.key);
  // The id comes from the ETag of the bytes being read, not the event's: providers spell
  // them differently (S3 events drop the quotes), and only this one names what is parsed.
  const file: FileRef = { id: toFileId(event.key, info.etag), key: event.key, etag: info.etag };
  const logger = context.logger.child({ key: file.key, fileId: file.id });

  let manifest = await readJson<Manifest>(reports, KEYS.manifest(file.id));
  if (manifest) {
    body.destroy();
    logger.info('file was parsed before; finishing it');
  } else {
    manifest = await parseFile(file, body, context.signal);
    await putJsonOnce(reports, KEYS.manifest(file.id), manifest);
    logger.info('file parsed', {
      status: manifest.status,
      batches: manifest.batches,
      ...manifest.rows,
    });
  }
  await finishFile(file, logger);

  if (manifest.status === 'rejected') {
    deadLetter(`${file.key} was not counted: ${manifest.reason ?? 'rejected'}`);
  }
}

async function parseFile(file: FileRef, body: Readable, signal: AbortSignal): Promise<Manifest> {
  const sender = createRowSender(file);
  const result = await readOrders(body, sender, signal);
  if (!result.ok) return sender.manifest('rejected', result.reason);
  await sender.flush();

  return sender.manifest('parsed');
}

async function openUpload(key: string): Promise<ObjectContent> {
  try {
    return await uploads.get(key);
  } catch (error) {
    if (isCloudportError(error, 'OBJECT_NOT_FOUND')) {
      deadLetter(`${key} was deleted from ${uploads.name} before it could be parsed`, error);
    }
    throw error;
  }
}
