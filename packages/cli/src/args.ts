import { type ParseArgsConfig, parseArgs } from 'node:util';
import { quote, UsageError } from './errors.js';

/** The options one command accepts, in `node:util` parseArgs form. */
export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** A command's arguments after parsing: option values by name, then positionals. */
export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** Names of the positional arguments a command takes, in order, each one required. */
export type PositionalNames = readonly string[];

/**
 * Parses a command's arguments strictly: unknown options, missing values and missing or extra
 * positionals become one-line usage errors that point at `cloudport <command> --help`.
 */
export function parseCommandArgs(
  command: string,
  argv: readonly string[],
  options: OptionSpec,
  positionals: PositionalNames,
): ParsedArgs {
  const parsed = parseOrExplain(command, argv, options);
  const missing = positionals[parsed.positionals.length];
  if (missing !== undefined) {
    throw new UsageError(`missing ${missing} for "cloudport ${command}"; ${seeHelp(command)}`);
  }
  const extra = parsed.positionals[positionals.length];
  if (extra !== undefined) {
    throw new UsageError(
      `unexpected argument ${quote(extra)} for "cloudport ${command}"; ${seeHelp(command)}`,
    );
  }

  return parsed;
}

/** True when the arguments ask for help before any `--` separator. */
export function wantsHelp(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }

  return false;
}

/** Reads a whole number within bounds, or throws a usage error naming `label` (`--port`). */
export function integerOption(label: string, value: string, min: number, max: number): number {
  const number = Number(value);
  if (/^\d+$/.test(value) && number >= min && number <= max) return number;

  throw new UsageError(`${label} ${quote(value)} must be a whole number from ${min} to ${max}`);
}

/** Reads one of a few words, or throws a usage error naming `label` and listing the choices. */
export function choiceOption<T extends string>(
  label: string,
  value: string,
  choices: readonly T[],
): T {
  if ((choices as readonly string[]).includes(value)) return value as T;

  throw new UsageError(`${label} ${quote(value)} must be one of ${choices.join(', ')}`);
}

function parseOrExplain(command: string, argv: readonly string[], options: OptionSpec) {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options,
      allowPositionals: true,
      strict: true,
    });
    return { values: values as ParsedArgs['values'], positionals };
  } catch (error) {
    throw explainParseError(command, error);
  }
}

function explainParseError(command: string, error: unknown): Error {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  const option = /'(-[^' ]+)/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) {
    return new UsageError(
      `unknown option ${option} for "cloudport ${command}"; ${seeHelp(command)}`,
    );
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) {
    const detail = message.includes('does not take') ? 'takes no value' : 'needs a value';
    return new UsageError(`option ${option} ${detail}; ${seeHelp(command)}`);
  }
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
    return new UsageError(`${message}; ${seeHelp(command)}`);
  }

  return error instanceof Error ? error : new Error(message);
}

function seeHelp(command: string): string {
  return `see "cloudport ${command} --help"`;
}
