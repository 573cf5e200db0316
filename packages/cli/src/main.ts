import { readFile } from 'node:fs/promises';
import { isCloudportError } from '@cloudport/core';
import { wantsHelp } from './args.js';
import { devCommand } from './commands/dev.js';
import { dlqCommand } from './commands/dlq.js';
import { invokeCommand } from './commands/invoke.js';
import { runCommand } from './commands/run.js';
import { type Command, type CommandContext, createContext } from './context.js';
import { EXIT, quote, UsageError } from './errors.js';
import { type CliIo, processIo, writeLine } from './output.js';
import { oneLine } from './summary.js';

const COMMANDS: readonly Command[] = [runCommand, devCommand, invokeCommand, dlqCommand];

const HELP = `Usage: cloudport <command> [options]

Runs cloudport pipelines on this machine, with no cloud account: buckets are folders, queues
are durable on disk, and handlers run in this process.

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(8)} ${c.summary}`).join('\n')}

Options:
  -h, --help     Show this help; "cloudport <command> --help" shows a command's options.
  -v, --version  Print the version.

Environment:
  CLOUDPORT_LOG_LEVEL  Level of handler logs on stderr: debug, info, warn, error or
                       silent (run: error by default; dev and invoke: info).
  CLOUDPORT_DEBUG=1    Print the stack of an error after its one-line message.

Exit codes: 0 done, 1 events failed (invoke, or run --fail-on-dead-letters), 2 usage or
runtime error, 130 interrupted.`;

/**
 * Runs the `cloudport` command line with `argv` (without the node and script paths) and
 * returns the exit code; it never exits the process itself.
 *
 * @example
 * const code = await main(['run', 'src/pipeline.ts', '--input', 'data', '--json'], {
 *   stdout: { write: (text) => chunks.push(text) },
 *   stderr: process.stderr,
 * });
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const context = createContext(io);
  try {
    return await dispatch(argv, context);
  } catch (error) {
    return reportError(error, context);
  }
}

async function dispatch(argv: readonly string[], context: CommandContext): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    throw new UsageError('missing command; run "cloudport --help" to list the commands');
  }
  if (first === '--help' || first === '-h') return print(context, HELP);
  if (first === '--version' || first === '-v') return print(context, await readVersion());
  if (first === 'help') {
    return print(context, rest[0] === undefined ? HELP : findCommand(rest[0]).help);
  }
  if (first.startsWith('-')) {
    throw new UsageError(
      `unknown option ${first}; a command comes first, as in "cloudport run <pipeline-module>" ` +
        '(see "cloudport --help")',
    );
  }
  const command = findCommand(first);
  if (wantsHelp(rest)) return print(context, command.help);

  return command.run(rest, context);
}

/**
 * Reports an error that escaped `main` (an `uncaughtException` or `unhandledRejection`, for
 * example from a handler's stray promise) the way `main` reports its own, and returns 2.
 */
export function reportUncaught(error: unknown, io: CliIo): number {
  return reportError(error, createContext(io));
}

function findCommand(name: string): Command {
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (command) return command;

  throw new UsageError(
    `unknown command ${quote(name)}; the commands are ` +
      `${COMMANDS.map((c) => c.name).join(', ')} (see "cloudport --help")`,
  );
}

function print(context: CommandContext, text: string): number {
  writeLine(context.io.stdout, text);

  return EXIT.ok;
}

async function readVersion(): Promise<string> {
  const text = await readFile(new URL('../package.json', import.meta.url), 'utf8');

  return (JSON.parse(text) as { version: string }).version;
}

/**
 * Prints one line for any error. Usage errors and cloudport errors (with their code) speak
 * for themselves; anything else is a crash, whose stack `CLOUDPORT_DEBUG=1` reveals.
 */
function reportError(error: unknown, context: CommandContext): number {
  const debug = /^(1|true|yes)$/i.test(context.env.CLOUDPORT_DEBUG ?? '');
  writeLine(context.io.stderr, `cloudport: ${oneLine(errorLine(error, debug))}`);
  if (debug) writeLine(context.io.stderr, stackOf(error));

  return EXIT.error;
}

function errorLine(error: unknown, debug: boolean): string {
  if (error instanceof UsageError) return error.message;
  if (isCloudportError(error)) return `${error.message} [${error.code}]`;
  const code = typeof error === 'object' && error !== null ? Reflect.get(error, 'code') : undefined;
  if (code === 'EADDRINUSE') {
    return `${describe(error)}; pass another port with --port N, or --port 0 for any`;
  }
  const hint = debug ? '' : ' (re-run with CLOUDPORT_DEBUG=1 to see the stack)';

  return `unexpected error: ${describe(error)}${hint}`;
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;

  return String(error);
}

function stackOf(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  while (current !== undefined && parts.length < 5) {
    parts.push(current instanceof Error ? (current.stack ?? describe(current)) : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }

  return parts.join('\ncaused by: ');
}
