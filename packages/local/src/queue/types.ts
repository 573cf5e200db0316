import type { ConsumableQueue, DeadLetter, ReceivedMessage } from '@cloudport/core';
import type { QueueCounts } from './message-index.js';

/**
 * A durable queue kept in a local folder, one file per message, for the local runtime and
 * for tests.
 *
 * - Durability: a send that resolved is on disk and survives the process being killed; a
 *   message whose `complete` resolved is never delivered again. Files are not fsynced, so a
 *   power loss may lose recent work.
 * - Order: messages are delivered in send order (sends that overlap in time have no order
 *   between them; entries of one `sendBatch` keep theirs). Messages with the same ordering
 *   key are delivered one at a time: a later one waits while an earlier one is delayed, in
 *   flight or waiting to be retried, as in an SQS FIFO message group.
 * - Redelivery: a delivery not settled within its visibility timeout is delivered again with
 *   a higher `deliveryCount`. Its receipt stays valid until that next delivery; settling
 *   with an older receipt fails with `PRECONDITION_FAILED`.
 * - Attempts: a message that fails (retry or timeout) on its last allowed delivery is
 *   dead-lettered with a reason such as `failed 5 of 5 delivery attempts`.
 * - After a crash, messages that were in flight are visible again as soon as the queue
 *   reopens, since no consumer holds them any more; their delivery counts stand, so a
 *   message that crashed the process on its last attempt is dead-lettered on reopen.
 * - Deduplication: a send whose `deduplicationId` was sent by this process in the last five
 *   minutes, or belongs to a message still waiting or in flight, is accepted but not
 *   enqueued again, and returns the first message's id.
 * - A batch is checked whole before any of it is written: one message over the limits
 *   fails the batch and none of it is sent. Batches are written in chunks within the
 *   profile's batch limits.
 */
export interface LocalQueue<T = unknown> extends ConsumableQueue<T> {
  /** The queue's folder. */
  readonly dir: string;
  /**
   * Dead letters in send order, with reason and time. A body that no longer decodes as the
   * queue's body kind is returned as its raw bytes.
   */
  deadLetters(): Promise<DeadLetter<T>[]>;
  /**
   * Makes dead letters deliverable again, all or those listed, with their delivery count
   * reset. They keep their place in send order. Ids that are not dead letters are skipped;
   * returns how many were replayed.
   */
  replay(messageIds?: ReadonlyArray<string>): Promise<number>;
  /**
   * Every waiting and in-flight message in send order, without delivering any. Their
   * `receipt` is empty: browsed messages cannot be settled.
   */
  browse(): Promise<ReceivedMessage<T>[]>;
  /**
   * Delivers the listed messages that are waiting, as `receive` does for the next ones: each
   * is in flight with its delivery count raised. Ids that are in flight, dead-lettered or
   * unknown are skipped, as is a message held back by an earlier one of its ordering key.
   */
  receiveIds(
    messageIds: ReadonlyArray<string>,
    options?: { visibilityTimeoutSeconds?: number },
  ): Promise<ReceivedMessage<T>[]>;
  /** Messages by state, from memory. */
  counts(): QueueCounts;
  /**
   * Waits for file operations under way, releases the folder's lock and ends waiting
   * receives with no messages. Messages in flight stay in flight on disk and are visible
   * again when the queue reopens. Later calls on this queue fail with `PRECONDITION_FAILED`.
   */
  close(): Promise<void>;
}
