// The subset of cli-progress 3.12 that the CLI uses (the package ships no types of its own).
declare module 'cli-progress' {
  namespace cliProgress {
    interface ProgressStream {
      write(chunk: string): unknown;
      isTTY?: boolean;
      columns?: number;
    }

    interface Options {
      format?: string;
      stream?: ProgressStream;
      fps?: number;
      barsize?: number;
      hideCursor?: boolean;
      clearOnComplete?: boolean;
      barCompleteChar?: string;
      barIncompleteChar?: string;
    }

    class GenericBar {
      update(value: number, payload?: Record<string, unknown>): void;
      setTotal(total: number): void;
    }

    class MultiBar {
      constructor(options: Options);
      create(total: number, startValue: number, payload?: Record<string, unknown>): GenericBar;
      /** Queues text (with its own newline) to be written above the bars on the next redraw. */
      log(text: string): void;
      /** Redraws now, writing queued log text first. */
      update(): void;
      stop(): void;
    }
  }

  export = cliProgress;
}
