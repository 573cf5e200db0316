/// <reference path="./cli-progress.d.ts" />
import cliProgress from 'cli-progress';
import { type CliStream, writeLine } from './output.js';

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  stream: CliStream;
  /** False shows nothing at all (as in `--json` mode); log lines still pass through. */
  enabled: boolean;
  /** Milliseconds of work before anything is shown. Defaults to 1000. */
  delayMs?: number;
  /** Milliseconds between status lines when the stream is not a terminal. Defaults to 5000. */
  intervalMs?: number;
}

/** What is being counted: a phase label and the unit of its items. */
export interface ProgressPhase {
  label: string;
  unit: string;
}

/** Progress of a long command, shown on standard error. */
export interface ProgressReporter {
  /** Records the phase and the counts; shown on the next redraw. */
  update(phase: ProgressPhase, done: number, total: number): void;
  /** Writes a line to the stream without breaking the bar. */
  log(line: string): void;
  /** Removes the bar after writing pending lines; safe to call twice. */
  stop(): void;
}

interface State {
  phase: ProgressPhase;
  done: number;
  total: number;
  startedAt: number;
}

interface View {
  render(state: State): void;
  log(line: string): void;
  stop(): void;
}

/**
 * Shows progress once a command has run for about a second, so quick runs print only their
 * result. On a terminal it draws a cli-progress bar that is cleared before the summary is
 * printed; elsewhere (a CI log, a pipe) it writes a plain status line every few seconds.
 */
export function createProgress(options: ProgressOptions): ProgressReporter {
  const { stream } = options;
  if (!options.enabled) {
    return { update: () => {}, log: (line) => writeLine(stream, line), stop: () => {} };
  }
  const state: State = {
    phase: { label: 'starting', unit: '' },
    done: 0,
    total: 0,
    startedAt: Date.now(),
  };
  let view: View | undefined;
  const timer = setTimeout(() => {
    view = stream.isTTY ? createBar(stream, state) : createTicker(stream, state, options);
  }, options.delayMs ?? 1000);
  timer.unref();

  return {
    update(phase, done, total) {
      Object.assign(state, { phase, done, total: Math.max(total, done) });
      view?.render(state);
    },
    log(line) {
      if (view) view.log(line);
      else writeLine(stream, line);
    },
    stop() {
      clearTimeout(timer);
      view?.stop();
      view = undefined;
    },
  };
}

function createBar(stream: CliStream, state: State): View {
  const bars = new cliProgress.MultiBar({
    stream,
    format: '{label} [{bar}] {value}/{total} {unit} | {duration_formatted}',
    barsize: 30,
    fps: 10,
    hideCursor: true,
    clearOnComplete: true,
  });
  const bar = bars.create(state.total, state.done, { ...state.phase });

  return {
    render(next) {
      bar.setTotal(next.total);
      bar.update(next.done, { ...next.phase });
    },
    log: (line) => bars.log(`${line}\n`),
    stop() {
      // A redraw first writes log lines still queued; stopping then clears the bar itself.
      bars.update();
      bars.stop();
    },
  };
}

function createTicker(stream: CliStream, state: State, options: ProgressOptions): View {
  const print = () => {
    const seconds = Math.round((Date.now() - state.startedAt) / 1000);
    const { label, unit } = state.phase;
    writeLine(stream, `cloudport: ${label} ${state.done}/${state.total} ${unit} (${seconds} s)`);
  };
  print();
  const interval = setInterval(print, options.intervalMs ?? 5000);
  interval.unref();

  return {
    render: () => {},
    log: (line) => writeLine(stream, line),
    stop: () => clearInterval(interval),
  };
}
