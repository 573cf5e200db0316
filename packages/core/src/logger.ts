/** Structured fields attached to a log line. */
export type LogFields = Record<string, unknown>;

/** The logger handlers and adapters write to; any object with these four methods will do. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

/** Severity levels, least severe first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Options of {@link createJsonLogger}. */
export interface JsonLoggerOptions {
  /** Lowest level written. Defaults to `info`. */
  level?: LogLevel;
  /** Fields on every line. */
  fields?: LogFields;
  /** Where lines go. Defaults to standard output. */
  write?: (line: string) => void;
  /** Key of the level in each line; Cloud Logging reads `severity`. Defaults to `level`. */
  levelKey?: string;
  /** How a level is spelled in the line. Defaults to the level itself. */
  levelName?: (level: LogLevel) => string;
}

/**
 * A logger that writes one JSON object per line: time, level, message, then fields.
 *
 * @example
 * const logger = createJsonLogger({ level: 'debug', fields: { service: 'etl' } });
 * logger.info('parsed file', { rows: 120 });
 */
export function createJsonLogger(options: JsonLoggerOptions = {}): Logger {
  const threshold = LEVELS[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const levelKey = options.levelKey ?? 'level';
  const levelName = options.levelName ?? ((level: LogLevel) => level);
  const make = (base: LogFields): Logger => {
    const log = (level: LogLevel, message: string, fields?: LogFields) => {
      if (LEVELS[level] < threshold) return;
      const line = { time: new Date().toISOString(), [levelKey]: levelName(level), message };
      write(JSON.stringify({ ...base, ...fields, ...line }, errorReplacer));
    };
    return {
      debug: (message, fields) => log('debug', message, fields),
      info: (message, fields) => log('info', message, fields),
      warn: (message, fields) => log('warn', message, fields),
      error: (message, fields) => log('error', message, fields),
      child: (fields) => make({ ...base, ...fields }),
    };
  };

  return make(options.fields ?? {});
}

/** A logger that writes nothing. */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};

/** Picks the logger to use: the injected one, silence for `false`, else `fallback()`. */
export function resolveLogger(option: Logger | false | undefined, fallback: () => Logger): Logger {
  if (option === false) return silentLogger;

  return option ?? fallback();
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const code = (value as { code?: unknown }).code;

  return { name: value.name, message: value.message, code, stack: value.stack };
}
