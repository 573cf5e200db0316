import type { OrderRow } from './orders.js';
import type { Aggregate } from './totals.js';

/** The upload a message, manifest or report belongs to. */
export interface FileRef {
  /** Stable id of the upload, from its key and ETag (see `toFileId`). */
  id: string;
  key: string;
  etag: string;
}

/** Body of a `rows` message: one numbered batch of valid rows of one file. */
export interface RowBatch {
  file: FileRef;
  /** Position of the batch in the file, from 0; the same on every parse of the same bytes. */
  batch: number;
  rows: OrderRow[];
}

/** Body of an `invalid-rows` message: one row that failed validation, and why. */
export interface InvalidRow {
  file: FileRef;
  line: number;
  problem: string;
  /** The fields as read (the first 20, each cut at 100 characters), for whoever repairs it. */
  fields: string[];
}

/** A short note about one invalid row, kept in reports. */
export interface InvalidNote {
  line: number;
  problem: string;
}

/**
 * What the parser knows once a file is read: how many batches to expect and how many rows were
 * valid and invalid. Written create-only after every batch and invalid row is on its queue.
 */
export interface Manifest {
  file: FileRef;
  /** `rejected` when the file as a whole could not be read as orders. */
  status: 'parsed' | 'rejected';
  /** Why the file was rejected. */
  reason?: string;
  batches: number;
  rows: { valid: number; invalid: number };
  /** The first invalid rows, at most {@link INVALID_SAMPLE} of them. */
  invalid: InvalidNote[];
}

/** The aggregate of one batch, written create-only; its existence means the batch counts. */
export interface PartialAggregate extends Aggregate {
  file: FileRef;
  batch: number;
}

/** The aggregate of one complete group of batches, written create-only. */
export interface GroupAggregate extends Aggregate {
  file: FileRef;
  group: number;
  /** How many batches the group holds: a full group, or fewer for a file's last group. */
  batches: number;
}

/** The report of one file, derived from its manifest and every one of its groups. */
export interface FileReport extends Aggregate {
  file: FileRef;
  status: 'counted' | 'rejected';
  reason?: string;
  rows: { valid: number; invalid: number };
  batches: number;
  /** The total revenue as a decimal amount, for reading; `totals.revenueCents` is exact. */
  revenue: string;
  invalid: InvalidNote[];
}

/** One file as the overall report lists it. */
export interface OverallEntry {
  id: string;
  key: string;
  status: FileReport['status'];
  rows: FileReport['rows'];
  revenueCents: number;
}

/** The overall report: every file report merged, and the list of files it includes. */
export interface OverallReport extends Aggregate {
  files: { counted: number; rejected: number };
  rows: { valid: number; invalid: number };
  revenue: string;
  /** Every file merged so far, sorted by id: each appears exactly once. */
  sources: OverallEntry[];
}

/** How many invalid rows a manifest and file report list by line. */
export const INVALID_SAMPLE = 20;

/** True when a `rows` message body has the shape the parser sends. */
export function isRowBatch(value: unknown): value is RowBatch {
  const body = value as Partial<RowBatch> | null;

  return (
    isFileRef(body?.file) &&
    isIndex(body.batch) &&
    Array.isArray(body.rows) &&
    body.rows.every(isOrderRow)
  );
}

/** True when an `invalid-rows` message body has the shape the parser sends. */
export function isInvalidRow(value: unknown): value is InvalidRow {
  const body = value as Partial<InvalidRow> | null;

  return isFileRef(body?.file) && isIndex(body.line) && typeof body.problem === 'string';
}

function isFileRef(value: unknown): value is FileRef {
  const file = value as Partial<FileRef> | null | undefined;

  return (
    typeof file?.id === 'string' && typeof file.key === 'string' && typeof file.etag === 'string'
  );
}

function isOrderRow(value: unknown): value is OrderRow {
  const row = value as Partial<OrderRow> | null;

  return (
    typeof row?.region === 'string' &&
    typeof row.sku === 'string' &&
    typeof row.date === 'string' &&
    isIndex(row.quantity) &&
    isIndex(row.unitPriceCents)
  );
}

function isIndex(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}
