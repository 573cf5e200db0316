// Shared by every store instance in the process, so that two instances opened on the same
// folder still serialise their commits to one key.
const tails = new Map<string, Promise<void>>();

/**
 * Runs `task` after every earlier task holding the same lock id has finished; tasks on other
 * ids run freely. Used to make each key's precondition check and commit one step.
 */
export async function withKeyLock<T>(id: string, task: () => Promise<T>): Promise<T> {
  const previous = tails.get(id) ?? Promise.resolve();
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const tail = previous.then(() => held);
  tails.set(id, tail);

  await previous;
  try {
    return await task();
  } finally {
    release();
    if (tails.get(id) === tail) tails.delete(id);
  }
}
