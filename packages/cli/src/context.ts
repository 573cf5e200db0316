import { resolve } from 'node:path';
import type { CliIo } from './output.js';

/** Default folder of the local runtime's buckets and queues, in the working directory. */
export const DEFAULT_ROOT = '.cloudport';

/** What every command gets: the streams, the working directory and the environment. */
export interface CommandContext {
  io: CliIo;
  cwd: string;
  env: Record<string, string | undefined>;
}

/** One `cloudport` subcommand. */
export interface Command {
  name: string;
  /** One line for `cloudport --help`. */
  summary: string;
  /** The full text of `cloudport <command> --help`. */
  help: string;
  /** Runs the command and returns the exit code. */
  run(argv: readonly string[], context: CommandContext): Promise<number>;
}

/** Builds the command context from the injected I/O, reading the environment once. */
export function createContext(io: CliIo): CommandContext {
  return { io, cwd: io.cwd ?? process.cwd(), env: io.env ?? process.env };
}

/** The runtime's root folder: `--root` resolved against the working directory, or the default. */
export function resolveRoot(context: CommandContext, root: string | boolean | undefined): string {
  return resolve(context.cwd, typeof root === 'string' ? root : DEFAULT_ROOT);
}
