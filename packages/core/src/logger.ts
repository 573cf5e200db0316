import { createIsoFormatter } from './time.js';

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
const PROTO = '__proto__';
const isoOf = createIsoFormatter();

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
  const settings: JsonSettings = {
    threshold: LEVELS[options.level ?? 'info'],
    write: options.write ?? ((line: string) => process.stdout.write(`${line}\n`)),
    levelKey: options.levelKey ?? 'level',
    levelName: options.levelName ?? ((level: LogLevel) => level),
  };

  return new JsonLogger(settings, { ...options.fields });
}

interface JsonSettings {
  threshold: number;
  write: (line: string) => void;
  levelKey: string;
  levelName: (level: LogLevel) => string;
}

// A class rather than closures: a child (one per invocation that logs) is then one object.
class JsonLogger implements Logger {
  private readonly settings: JsonSettings;
  private readonly base: LogFields;
  /** True when every base value is a primitive, which JSON writes without a replacer. */
  private readonly plainBase: boolean;

  constructor(settings: JsonSettings, base: LogFields) {
    this.settings = settings;
    this.base = base;
    this.plainBase = isPlain(base);
  }

  debug(message: string, fields?: LogFields): void {
    this.log('debug', message, fields);
  }

  info(message: string, fields?: LogFields): void {
    this.log('info', message, fields);
  }

  warn(message: string, fields?: LogFields): void {
    this.log('warn', message, fields);
  }

  error(message: string, fields?: LogFields): void {
    this.log('error', message, fields);
  }

  child(fields: LogFields): Logger {
    return new JsonLogger(this.settings, merge(this.base, fields));
  }

  private log(level: LogLevel, message: string, fields: LogFields | undefined): void {
    const { threshold, write, levelKey, levelName } = this.settings;
    if (LEVELS[level] < threshold) return;
    const time = isoOf(Date.now());
    let line: LogFields;
    if (levelKey === PROTO) {
      line = { ...this.base, ...fields, time, [levelKey]: levelName(level), message };
    } else {
      line = merge(this.base, fields);
      line.time = time;
      line[levelKey] = levelName(level);
      line.message = message;
    }
    const plain = this.plainBase && isPrimitive(line[levelKey]) && toPlain(line, fields);
    write(plain ? JSON.stringify(line) : JSON.stringify(line, errorReplacer));
  }
}

/**
 * `{ ...base, ...fields }`. Object.assign copies the same properties in the same order and is
 * many times faster on Node 20, where a spread followed by more properties builds a new hidden
 * class each time; only an own `__proto__` key, which assigning would not copy, needs the
 * spread.
 */
function merge(base: LogFields, fields: LogFields | undefined): LogFields {
  if (fields !== undefined && fields !== null && Object.hasOwn(fields, PROTO)) {
    return { ...base, ...fields };
  }

  return Object.assign({}, base, fields);
}

/**
 * Replaces the errors among the line's field values by their JSON form, in place, and tells
 * whether the line is now plain (primitives, and those errors' plain forms) so that
 * `JSON.stringify` writes it without a replacer, several times faster; otherwise the line
 * goes through the replacer, which gives the same result.
 */
function toPlain(line: LogFields, fields: LogFields | undefined): boolean {
  if (!isPrimitive(line.message)) return false;
  for (const key in fields) {
    const value = line[key];
    if (isPrimitive(value)) continue;
    const json = plainError(value);
    if (json === undefined) return false;
    line[key] = json;
  }

  return true;
}

function plainError(value: unknown): Record<string, unknown> | undefined {
  if (!(value instanceof Error) || typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return undefined;
  }
  const json = errorJson(value);
  const plain =
    isPrimitive(json.name) &&
    isPrimitive(json.message) &&
    isPrimitive(json.code) &&
    isPrimitive(json.stack);

  return plain ? json : undefined;
}

function isPlain(fields: LogFields): boolean {
  for (const key in fields) {
    if (!isPrimitive(fields[key])) return false;
  }

  return true;
}

function isPrimitive(value: unknown): boolean {
  return value === null || (typeof value !== 'object' && typeof value !== 'function');
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
  return value instanceof Error ? errorJson(value) : value;
}

function errorJson(error: Error): Record<string, unknown> {
  const code = (error as { code?: unknown }).code;

  return { name: error.name, message: error.message, code, stack: error.stack };
}
