import type { CliIo } from './output.js';

/** An abort signal that fires on SIGINT, SIGTERM or the injected `io.signal`. */
export interface StopListener {
  signal: AbortSignal;
  /** Stops listening; call it when the command ends. */
  dispose(): void;
}

/**
 * Turns the first SIGINT or SIGTERM into an abort. The process handlers are removed as soon as
 * one fires, so a second Ctrl+C ends the process at once, the way a user expects.
 */
export function listenForStop(io: CliIo): StopListener {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    dispose();
    controller.abort(name);
  };
  const onAbort = () => controller.abort(io.signal?.reason);
  const dispose = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    io.signal?.removeEventListener('abort', onAbort);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  if (io.signal?.aborted) onAbort();
  else io.signal?.addEventListener('abort', onAbort, { once: true });

  return { signal: controller.signal, dispose };
}
