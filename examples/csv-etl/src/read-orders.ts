import type { Readable } from 'node:stream';
import { CsvError, type InfoRecord, parse } from 'csv-parse';
import type { InvalidRow } from './model.js';
import { checkRow, type Header, type OrderRow, readHeader } from './orders.js';

/** Longest record the parser accepts; a longer one means the file is not an orders CSV. */
export const MAX_RECORD_BYTES = 64 * 1024;

/** Where {@link readOrders} hands each row; awaiting it holds back the stream. */
export interface OrderSink {
  row(row: OrderRow): Promise<void>;
  /** Takes an invalid row; returning a reason stops reading and rejects the file. */
  invalid(row: Omit<InvalidRow, 'file'>): Promise<string | undefined>;
}

/** How reading ended: every row handed over, or the file rejected as a whole. */
export type ReadResult = { ok: true } | { ok: false; reason: string };

interface ParsedRecord {
  record: string[];
  info: InfoRecord;
}

/**
 * Streams an orders CSV into `sink`, one record at a time, so memory stays flat whatever the
 * file's size. Rows with bad values or the wrong number of fields go to `sink.invalid`. A file
 * is rejected as a whole when its header or CSV structure is broken (an unclosed quote, a
 * record over {@link MAX_RECORD_BYTES}), since no row after the break can be trusted, or when
 * the sink says so. Stream failures are thrown, so the event is retried.
 */
export async function readOrders(
  body: Readable,
  sink: OrderSink,
  signal?: AbortSignal,
): Promise<ReadResult> {
  const parser = parse({
    bom: true,
    trim: true,
    skip_empty_lines: true,
    relax_column_count: true,
    info: true,
    max_record_size: MAX_RECORD_BYTES,
  });
  const fail = (error: unknown) => parser.destroy(error as Error);
  const abort = () => fail(signal?.reason ?? new Error('The read was aborted.'));
  body.on('error', fail);
  signal?.addEventListener('abort', abort, { once: true });
  body.pipe(parser);

  try {
    let header: Header | undefined;
    for await (const { record, info } of parser as AsyncIterable<ParsedRecord>) {
      const line = startLine(record, info.lines);
      if (!header) {
        const read = readHeader(record);
        if (typeof read === 'string') return { ok: false, reason: `line ${line}: ${read}` };
        header = read;
        continue;
      }
      const check = checkRow(header, record, line);
      if (check.ok) {
        await sink.row(check.row);
        continue;
      }
      const stop = await sink.invalid({ line, problem: check.problem, fields: record });
      if (stop !== undefined) return { ok: false, reason: stop };
    }
    if (!header) return { ok: false, reason: 'the file is empty: it has no header line' };

    return { ok: true };
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;

    return { ok: false, reason: `the CSV is malformed: ${error.message}` };
  } finally {
    body.off('error', fail);
    signal?.removeEventListener('abort', abort);
    body.unpipe(parser);
    body.destroy();
  }
}

// The parser reports the line where a record ends; a quoted field may span several lines.
function startLine(record: readonly string[], endLine: number): number {
  let breaks = 0;
  for (const field of record) {
    for (let at = field.indexOf('\n'); at !== -1; at = field.indexOf('\n', at + 1)) breaks++;
  }

  return endLine - breaks;
}
