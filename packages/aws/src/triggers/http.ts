import {
  type Decoded,
  type HttpTrigger,
  InvalidEventError,
  MessageTooLargeError,
  matchesPath,
  type PipelineFunction,
  type Settled,
} from '@cloudport/core';
import { randomId } from '../builtins.js';
import type { HttpEventV2, HttpResultV2 } from '../events.js';
import { describe } from './shared.js';

/** Lambda's limit on a buffered (not streamed) synchronous response, in bytes. */
export const MAX_HTTP_RESULT_BYTES = 6 * 1024 * 1024;
// Content types that may be sent as text; every other body is sent as base64.
const TEXTUAL =
  /^(?:text\/|application\/(?:[\w.-]+\+)?(?:json|xml|javascript|x-www-form-urlencoded)\b)/i;
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)/i;
// Fatal, so that bytes that are not UTF-8 go as base64 instead of as U+FFFD; a BOM is kept.
// Made on first use: a decoder takes about 0.1 ms to make, which every cold start of a
// function of another trigger kind would pay at import.
let utf8: TextDecoder | undefined;

/**
 * Checks an API Gateway HTTP API (payload format 2.0) or Function URL event and returns one
 * unit whose Web `Request` is built only when the handler asks for it. Events of another shape,
 * including payload format 1.0, raise `INVALID_EVENT`.
 */
// https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html
export function decodeHttpEvent(fn: PipelineFunction<HttpTrigger>, input: unknown): Decoded[] {
  const event = checkHttpEvent(fn, input);
  const id = event.requestContext?.requestId || randomId();

  return [{ id, request: () => toRequest(event) }];
}

/**
 * Answers 404 when the request does not match the function's method and path (as the local
 * runtime does), without running the handler; undefined when it matches.
 */
export function unmatchedRoute(
  fn: PipelineFunction<HttpTrigger>,
  input: unknown,
): HttpResultV2 | undefined {
  const event = checkHttpEvent(fn, input);
  const method = event.requestContext?.http?.method?.toUpperCase();
  const trigger = fn.trigger;
  if (
    (trigger.method === '*' || trigger.method === method) &&
    matchesPath(trigger, pathOf(event))
  ) {
    return undefined;
  }

  return textResult(404, 'Not found\n');
}

/**
 * Turns the handler's `Response` into the Lambda result: status, headers (repeated ones joined
 * with commas, as format 2.0 has no multi-value headers), every `Set-Cookie` in `cookies`, and
 * the body as text when it is textual and UTF-8 (an empty body too), or base64 with
 * `isBase64Encoded` otherwise. A failed handler gets 500 and an invalid event 400, without
 * internal details.
 */
export async function encodeHttpResult(settled: Settled[]): Promise<HttpResultV2> {
  const unit = settled[0];
  if (unit === undefined || !unit.response) {
    const invalid = unit !== undefined && 'error' in unit;
    return invalid ? textResult(400, 'Bad request\n') : serverError();
  }
  const response = unit.response;
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  const bytes = Buffer.from(await response.arrayBuffer());
  const text = textOf(headers, bytes);
  const body = text ?? bytes.toString('base64');
  const result: HttpResultV2 = {
    statusCode: response.status,
    headers,
    ...(cookies.length > 0 ? { cookies } : {}),
    body,
    isBase64Encoded: text === undefined,
  };
  const size = resultBytes(result, text === undefined ? body.length : bytes.length);
  if (size > MAX_HTTP_RESULT_BYTES) {
    throw new MessageTooLargeError(
      `The response is ${size} bytes as Lambda sends it (the result as JSON: body` +
        `${text === undefined ? ' in base64' : ''}, headers and cookies), over Lambda's ` +
        `${MAX_HTTP_RESULT_BYTES}-byte limit for buffered responses; return less data, or a ` +
        'signed URL to it.',
      size,
      MAX_HTTP_RESULT_BYTES,
      { provider: 'aws' },
    );
  }

  return result;
}

/**
 * The bytes of the result as Lambda carries it: its JSON. Escaping makes a body longer (a
 * quote or newline takes two characters, a control character six), so a body of `bodyBytes`
 * is measured exactly only when six times its size could come near the limit.
 */
// https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
function resultBytes(result: HttpResultV2, bodyBytes: number): number {
  const rest = Buffer.byteLength(JSON.stringify(result.headers)) + 200;
  const cookies = result.cookies ? Buffer.byteLength(JSON.stringify(result.cookies)) : 0;
  if (6 * bodyBytes + rest + cookies <= MAX_HTTP_RESULT_BYTES) return bodyBytes + rest + cookies;

  return Buffer.byteLength(JSON.stringify(result));
}

/**
 * The body as text when its content type is textual, its charset absent or UTF-8, it is not
 * content-encoded and its bytes are valid UTF-8; undefined when it must go as base64.
 */
function textOf(headers: Record<string, string>, bytes: Buffer): string | undefined {
  if (bytes.length === 0) return '';
  const type = headers['content-type'] ?? '';
  if (!TEXTUAL.test(type) || headers['content-encoding']) return undefined;
  const charset = CHARSET.exec(type)?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return undefined;
  try {
    utf8 ??= new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** The request path relative to the function's own URL: a named stage's prefix removed. */
export function pathOf(event: HttpEventV2): string {
  const path = event.rawPath || '/';
  const stage = event.requestContext?.stage;
  if (!stage || stage === '$default') return path;
  const prefix = `/${stage}`;
  if (path === prefix) return '/';

  return path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : path;
}

function toRequest(event: HttpEventV2): Request {
  const headers = new Headers();
  const source = event.headers ?? {};
  for (const name of Object.keys(source)) {
    const value = source[name];
    if (value !== undefined) headers.set(name, value);
  }
  // Format 2.0 moves the Cookie header into `cookies`; a handler expects it back.
  if (event.cookies && event.cookies.length > 0) headers.set('cookie', event.cookies.join('; '));
  const method = (event.requestContext?.http?.method ?? 'GET').toUpperCase();
  const host = headers.get('host') ?? event.requestContext?.domainName ?? 'localhost';
  const scheme = headers.get('x-forwarded-proto') ?? 'https';
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  const url = `${scheme}://${host}${pathOf(event)}${query}`;
  const hasBody = method !== 'GET' && method !== 'HEAD' && typeof event.body === 'string';
  const encoding = event.isBase64Encoded ? 'base64' : 'utf8';
  const body = hasBody ? Buffer.from(event.body as string, encoding) : undefined;

  return new Request(url, { method, headers, body });
}

function checkHttpEvent(fn: PipelineFunction, input: unknown): HttpEventV2 {
  const event = input as HttpEventV2 | null;
  if (event?.version === '2.0' && typeof event.requestContext?.http?.method === 'string') {
    return event;
  }
  const v1 = (input as { httpMethod?: unknown } | null)?.httpMethod !== undefined;
  const format = v1 ? ' (payload format 1.0)' : '';

  throw new InvalidEventError(
    `Function ${JSON.stringify(fn.name)} expected an HTTP API payload format 2.0 or Function ` +
      `URL event, got ${describe(input)}${format}; set payloadFormatVersion to 2.0.`,
    { provider: 'aws' },
  );
}

/** The 500 result of a failed HTTP invocation, without internal details. */
export function serverError(): HttpResultV2 {
  return textResult(500, 'Internal server error\n');
}

function textResult(statusCode: number, body: string): HttpResultV2 {
  return {
    statusCode,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
    body,
    isBase64Encoded: false,
  };
}
