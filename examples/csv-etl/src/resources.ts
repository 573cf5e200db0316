import { bucket, type DeadLetterRecord, queue } from '@cloudport/core';
import type { InvalidRow, RowBatch } from './model.js';

/** Where CSV files land. */
export const uploads = bucket('uploads');
/** Reports, and the pipeline's bookkeeping under `work/`. */
export const reports = bucket('reports');
/** Batches of valid rows, from the parser to the aggregators. */
export const rows = queue<RowBatch>('rows');
/** Rows that failed validation, one per message, on their way to the dead letters. */
export const invalidRows = queue<InvalidRow>('invalid-rows');
/** Every event a function dead-letters, with its reason. */
export const deadLetters = queue<DeadLetterRecord>('dead-letters');
