/**
 * The CLI's output layer: the only module that touches `process.stdout` and `process.stderr`.
 * Everything else writes through a {@link CliIo}, so tests can run `main` in process.
 */

/** A stream the CLI writes to; Node's `process.stdout` and `process.stderr` fit. */
export interface CliStream {
  write(chunk: string): unknown;
  /** True for a terminal; progress bars are drawn only there. */
  isTTY?: boolean;
  /** Width of the terminal in characters, when it is one. */
  columns?: number;
}

/** Where the CLI reads its environment and writes its output. */
export interface CliIo {
  stdout: CliStream;
  stderr: CliStream;
  /** Working directory that relative paths start from. Defaults to `process.cwd()`. */
  cwd?: string;
  /** Environment variables. Defaults to `process.env`. */
  env?: Record<string, string | undefined>;
  /** Aborting it stops `dev` and interrupts `run`, as SIGINT does. */
  signal?: AbortSignal;
}

/** The process's own streams, working directory and environment. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env };
}

/** Writes `text` and a newline. */
export function writeLine(stream: CliStream, text = ''): void {
  stream.write(`${text}\n`);
}

/** Lets pending output reach the terminal or pipe, then ends the process with `code`. */
export async function exitWith(code: number): Promise<never> {
  await Promise.all([flush(process.stdout), flush(process.stderr)]);

  // Exiting here rather than waiting for the event loop to empty keeps a handle left open by
  // handler code (a database pool, a timer) from holding the command forever.
  process.exit(code);
}

function flush(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.writableLength === 0) return resolve();
    stream.write('', () => resolve());
  });
}
