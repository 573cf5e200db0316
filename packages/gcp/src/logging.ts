import {
  createJsonLogger,
  type JsonLoggerOptions,
  type LogFields,
  type Logger,
  type LogLevel,
} from '@cloudport/core';

// https://cloud.google.com/logging/docs/structured-logging: the keys Cloud Logging lifts out of
// a JSON line written to standard output.
const SEVERITY: Readonly<Record<LogLevel, string>> = {
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARNING',
  error: 'ERROR',
};
const TRACE_KEY = 'logging.googleapis.com/trace';
const SPAN_KEY = 'logging.googleapis.com/spanId';
const SAMPLED_KEY = 'logging.googleapis.com/trace_sampled';
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const CLOUD_TRACE = /^([0-9a-f]{32})(?:\/([0-9]+))?(?:;o=([01]))?$/i;

/** A trace a request or event belongs to. */
export interface TraceContext {
  traceId: string;
  /** 16 hex digits. */
  spanId?: string | undefined;
  sampled?: boolean | undefined;
}

/**
 * A logger whose JSON lines Cloud Logging reads as structured entries: `severity` (DEBUG, INFO,
 * WARNING, ERROR), `message`, `time`, then the fields.
 *
 * @example
 * const logger = createCloudLogger({ level: 'debug' });
 * logger.warn('slow upload', { key }); // {"severity":"WARNING","message":"slow upload",...}
 */
export function createCloudLogger(
  options: Omit<JsonLoggerOptions, 'levelKey' | 'levelName'> = {},
): Logger {
  return createJsonLogger({ ...options, levelKey: 'severity', levelName: (l) => SEVERITY[l] });
}

/**
 * Reads a W3C `traceparent` (`00-<trace>-<span>-<flags>`), or the older
 * `X-Cloud-Trace-Context` (`<trace>/<decimal span>;o=1`); undefined for anything else.
 */
export function parseTrace(header: unknown): TraceContext | undefined {
  if (typeof header !== 'string') return undefined;
  const w3c = TRACEPARENT.exec(header.trim());
  if (w3c) {
    const [, traceId, spanId, flags] = w3c as unknown as [string, string, string, string];
    if (/^0+$/.test(traceId)) return undefined;
    return { traceId, spanId, sampled: (Number.parseInt(flags, 16) & 1) === 1 };
  }
  const legacy = CLOUD_TRACE.exec(header.trim());
  if (!legacy) return undefined;
  const [, traceId, span, sampled] = legacy;

  return {
    traceId: (traceId as string).toLowerCase(),
    spanId: span ? BigInt(span).toString(16).padStart(16, '0').slice(-16) : undefined,
    sampled: sampled === undefined ? undefined : sampled === '1',
  };
}

/**
 * The fields that tie a log line to its trace: `projects/<project>/traces/<id>` when the
 * project is known (Cloud Logging links only that form), else the bare trace id.
 */
export function traceFields(trace: TraceContext, projectId: string | undefined): LogFields {
  return {
    [TRACE_KEY]: projectId ? `projects/${projectId}/traces/${trace.traceId}` : trace.traceId,
    ...(trace.spanId ? { [SPAN_KEY]: trace.spanId } : {}),
    ...(trace.sampled === undefined ? {} : { [SAMPLED_KEY]: trace.sampled }),
  };
}
