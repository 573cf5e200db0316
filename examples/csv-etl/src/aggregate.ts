import { deadLetter, type HandlerContext, type MessageEvent } from '@cloudport/core';
import { KEYS } from './keys.js';
import { isRowBatch, type PartialAggregate, type RowBatch } from './model.js';
import { finishFile } from './report.js';
import { reports } from './resources.js';
import { putJsonOnce } from './storage.js';
import { aggregateRows } from './totals.js';

/**
 * Handles one batch of rows: writes its aggregate create-only as the batch's partial, then
 * tries to finish the batch's group and the file. If the partial is already there, the batch
 * was counted by an earlier delivery that may have stopped before finishing, so finishing runs
 * all the same.
 */
export async function aggregateBatch(
  message: MessageEvent<RowBatch>,
  context: HandlerContext,
): Promise<void> {
  if (!isRowBatch(message.body)) {
    deadLetter(`Message ${message.id} on ${message.queue} is not a batch of order rows.`);
  }
  const { file, batch, rows } = message.body;
  const partial: PartialAggregate = { file, batch, ...aggregateRows(rows) };

  const written = await putJsonOnce(reports, KEYS.partial(file.id, batch), partial);
  if (!written) context.logger.debug('batch was counted before', { fileId: file.id, batch });
  await finishFile(file, context.logger, batch);
}
