import {
  createJsonLogger,
  type LimitProfile,
  type Logger,
  type LogLevel,
  type Pipeline,
} from '@cloudport/core';
import type { LocalRuntime } from '@cloudport/local';
import { choiceOption } from './args.js';
import type { CommandContext } from './context.js';

const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;

/** Options of {@link openRuntime}. */
export interface OpenRuntimeOptions {
  pipeline: Pipeline;
  root: string;
  profile?: LimitProfile | undefined;
  /** Where handler and runtime log lines go (one JSON object each). */
  writeLog: (line: string) => void;
  /** Level used when `CLOUDPORT_LOG_LEVEL` is unset. Defaults to `info`. */
  defaultLogLevel?: LogLevel;
}

/**
 * Starts the local runtime for a pipeline. `@cloudport/local` is imported here, on first use,
 * so that help, argument errors and module errors never pay for loading it.
 */
export async function openRuntime(
  context: CommandContext,
  options: OpenRuntimeOptions,
): Promise<LocalRuntime> {
  const logger = createLogger(context, options.writeLog, options.defaultLogLevel ?? 'info');
  const { createLocalRuntime } = await import('@cloudport/local');

  return createLocalRuntime({
    pipeline: options.pipeline,
    root: options.root,
    logger,
    ...(options.profile ? { profile: options.profile } : {}),
  });
}

/**
 * Handler and runtime logs go to standard error as JSON lines, at the level named by
 * `CLOUDPORT_LOG_LEVEL` (`debug`, `info`, `warn`, `error` or `silent`), else the command's default.
 */
function createLogger(
  context: CommandContext,
  write: (line: string) => void,
  fallback: LogLevel,
): Logger | false {
  const setting = context.env.CLOUDPORT_LOG_LEVEL?.trim().toLowerCase() || fallback;
  const level = choiceOption('CLOUDPORT_LOG_LEVEL', setting, LOG_LEVELS);
  if (level === 'silent') return false;

  return createJsonLogger({ level: level as LogLevel, write });
}
