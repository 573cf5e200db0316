// setTimeout cannot wait longer than this; a later timer fires early and is set again.
const MAX_TIMER_MS = 2_147_483_647;

/**
 * The waits of one queue: a single timer for the next due time of the index (delays and
 * visibility timeouts), and the receives waiting for a message, woken without polling.
 */
export class Wakeups {
  private readonly waiters = new Set<() => void>();
  private readonly onTimer: () => void;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = 0;
  private stopped = false;

  /** `onTimer` runs when the scheduled time has come. */
  constructor(onTimer: () => void) {
    this.onTimer = onTimer;
  }

  /** True while some receive waits. */
  get waiting(): boolean {
    return this.waiters.size > 0;
  }

  /** Sets the timer for `at` unless it is already set as early; undefined clears it. */
  schedule(at: number | undefined): void {
    if (this.stopped) return;
    if (this.timer !== undefined && (at === undefined || at < this.timerAt)) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (at === undefined || this.timer !== undefined) return;
    const wait = Math.min(Math.max(at - Date.now(), 0), MAX_TIMER_MS);
    this.timerAt = Date.now() + wait;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.onTimer();
    }, wait);
    // A pending delay alone must not keep the process alive; waiting receives do.
    this.timer.unref();
  }

  /** Wakes every waiting receive, to look for messages again. */
  wakeAll(): void {
    for (const wake of [...this.waiters]) wake();
  }

  /** Waits up to `ms` for {@link wakeAll}; rejects with the signal's reason on abort. */
  sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        signal?.removeEventListener('abort', abort);
      };
      const wake = () => {
        finish();
        resolve();
      };
      const abort = () => {
        finish();
        reject(signal?.reason);
      };
      const timer = setTimeout(wake, ms);
      this.waiters.add(wake);
      signal?.addEventListener('abort', abort, { once: true });
    });
  }

  /** Clears the timer for good and wakes every waiting receive. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.wakeAll();
  }
}
