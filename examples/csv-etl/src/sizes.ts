/**
 * Valid rows per `rows` message. With every text field capped at 40 characters a row is at
 * most about 200 bytes of JSON, so a batch stays under 110 KB: within Service Bus Standard's
 * 256 KiB, the smallest message limit of the providers. Parsing the same bytes always cuts the
 * same batches, as long as this does not change while files are in flight.
 */
export const BATCH_ROWS = 500;

/**
 * Batches per group. A consumer checks only its own group for completeness (one listing of at
 * most this many objects), and the file is complete when all its groups are: the work per
 * batch stays flat however large the file.
 */
export const GROUP_BATCHES = 50;
