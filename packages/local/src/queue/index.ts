import { QueueFiles } from './files.js';
import { FileQueue } from './local-queue.js';
import { acquireLock } from './lock.js';
import { type LocalQueueOptions, resolveQueueOptions } from './options.js';
import type { LocalQueue } from './types.js';

export { LOCK_FILE } from './lock.js';
export type { QueueCounts } from './message-index.js';
export {
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_VISIBILITY_TIMEOUT_SECONDS,
  type LocalQueueOptions,
} from './options.js';
export { DEDUPLICATION_WINDOW_MS } from './send-order.js';
export type { LocalQueue } from './types.js';

/**
 * Opens (creating if needed) the durable queue in `options.dir`, after taking the folder's
 * lock and recovering its messages from disk.
 *
 * The folder holds `ready/`, `inflight/` and `dead/` with one file per message, `tmp/` for
 * writes in progress, and `lock` with the owning process id. A lock left by a process that
 * no longer runs is taken over; one held by a running process fails with `INVALID_CONFIG`.
 *
 * @example
 * const dir = join(process.cwd(), '.cloudport', 'queues', 'rows');
 * const rows = await openLocalQueue<{ id: string }>({ dir, name: 'rows', body: 'json' });
 * await rows.send({ id: 'a' });
 * const [message] = await rows.receive({ waitMs: 1000 });
 * if (message) await rows.complete(message);
 * await rows.close();
 */
export async function openLocalQueue<T = unknown>(
  options: LocalQueueOptions,
): Promise<LocalQueue<T>> {
  const settings = resolveQueueOptions(options);
  const plain = new QueueFiles(settings.dir);
  await plain.createRoot();
  const spares = settings.spares;
  const shared = spares !== undefined && (await spares.serves(settings.dir));
  const files = shared ? new QueueFiles(settings.dir, spares) : plain;
  const lock = await acquireLock(settings.dir, settings.logger);
  try {
    await files.prepare();
    const queue = new FileQueue<T>(settings, files, lock);
    await queue.recover();
    return queue;
  } catch (error) {
    await lock.release();
    throw error;
  }
}
