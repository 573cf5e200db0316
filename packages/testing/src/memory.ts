import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collector: (() => void) | undefined;

/**
 * A full garbage collection. Runners rarely start Node with `--expose-gc`, so the flag is set
 * at run time and `gc` is taken from a fresh context, which sees it.
 */
function collectGarbage(): void {
  if (!collector) {
    const exposed = (globalThis as { gc?: unknown }).gc;
    if (typeof exposed === 'function') collector = exposed as () => void;
    else {
      setFlagsFromString('--expose-gc');
      collector = runInNewContext('gc') as () => void;
    }
  }
  collector();
}

/**
 * Bytes the process holds on to: the JavaScript heap and array buffers (every Buffer's
 * content) that survive a full collection. Unlike RSS it does not count garbage that is yet
 * to be collected, so a bound on it can be tight; unlike `external`, `arrayBuffers` drops as
 * soon as a buffer is collected.
 */
export function liveBytes(): number {
  collectGarbage();
  const usage = process.memoryUsage();

  return usage.heapUsed + usage.arrayBuffers;
}

/** The growth of {@link liveBytes} from when the tracker was made. */
export interface MemoryTracker {
  /** Measures now; returns the current growth. */
  sample(): number;
  /** The largest growth measured so far. */
  readonly peak: number;
  /** Stops the timer; returns the peak growth. */
  stop(): number;
}

/** Measures live memory now and every `intervalMs` until stopped, keeping the peak growth. */
export function trackLiveMemory(intervalMs = 100): MemoryTracker {
  const baseline = liveBytes();
  let peak = 0;
  const sample = () => {
    const growth = liveBytes() - baseline;
    peak = Math.max(peak, growth);
    return growth;
  };
  const timer = setInterval(sample, intervalMs);
  timer.unref?.();

  return {
    sample,
    get peak() {
      return peak;
    },
    stop: () => {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}
