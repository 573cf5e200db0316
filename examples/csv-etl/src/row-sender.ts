import type { SendEntry } from '@cloudport/core';
import {
  type FileRef,
  INVALID_SAMPLE,
  type InvalidRow,
  type Manifest,
  type RowBatch,
} from './model.js';
import type { OrderRow } from './orders.js';
import type { OrderSink } from './read-orders.js';
import { invalidRows, rows } from './resources.js';
import { BATCH_ROWS } from './sizes.js';

/** Batch messages buffered before a send. */
const SEND_GROUP = 10;
/**
 * Invalid rows a file may have before it is rejected as a whole: past this many it is more
 * likely the wrong file than a few bad lines. Invalid rows wait in memory until the file is
 * read, so that a file rejected later sends none; this bounds that memory.
 */
export const MAX_INVALID_ROWS = 1000;
/** Fields, and characters per field, an invalid row keeps for whoever repairs it. */
const KEPT_FIELDS = 20;
const KEPT_CHARS = 100;

/** Cuts a file's rows into numbered batches and sends them, with its invalid rows. */
export interface RowSender extends OrderSink {
  /**
   * Sends the last batches, then one message per invalid row. Once it resolves, every message
   * of the file is queued. Not called for a rejected file, which therefore sends no invalid row.
   */
  flush(): Promise<void>;
  /** The manifest of what was read. */
  manifest(status: Manifest['status'], reason?: string): Manifest;
}

/**
 * Creates the sender for one file. Batches are numbered in file order and cut every
 * {@link BATCH_ROWS} valid rows, so parsing the same bytes again yields the same batches.
 */
export function createRowSender(file: FileRef): RowSender {
  let buffer: OrderRow[] = [];
  let batches = 0;
  let valid = 0;
  const held: InvalidRow[] = [];
  const outbox: SendEntry<RowBatch>[] = [];
  const closeBatch = () => {
    if (buffer.length === 0) return;
    outbox.push({ body: { file, batch: batches++, rows: buffer } });
    buffer = [];
  };
  const sendBatches = async (least: number) => {
    if (outbox.length >= least) await rows.sendBatch(outbox.splice(0));
  };

  return {
    async row(row) {
      valid++;
      buffer.push(row);
      if (buffer.length < BATCH_ROWS) return;
      closeBatch();
      await sendBatches(SEND_GROUP);
    },
    async invalid(entry) {
      if (held.length === MAX_INVALID_ROWS) {
        const first = held[0] as InvalidRow;
        return (
          `more than ${MAX_INVALID_ROWS} invalid rows (the first, line ${first.line}: ` +
          `${first.problem}); this does not look like an orders file`
        );
      }
      held.push({
        file,
        line: entry.line,
        problem: entry.problem,
        fields: trimFields(entry.fields),
      });
    },
    async flush() {
      closeBatch();
      await sendBatches(1);
      for (let start = 0; start < held.length; start += SEND_GROUP) {
        const group = held.slice(start, start + SEND_GROUP);
        await invalidRows.sendBatch(group.map((body) => ({ body })));
      }
    },
    manifest: (status, reason) => ({
      file,
      status,
      ...(reason === undefined ? {} : { reason }),
      batches,
      rows: { valid, invalid: held.length },
      invalid: held.slice(0, INVALID_SAMPLE).map(({ line, problem }) => ({ line, problem })),
    }),
  };
}

function trimFields(fields: readonly string[]): string[] {
  return fields
    .slice(0, KEPT_FIELDS)
    .map((field) => (field.length > KEPT_CHARS ? `${field.slice(0, KEPT_CHARS)}...` : field));
}
