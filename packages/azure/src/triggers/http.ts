import type { HttpMethod, HttpRequest, HttpResponseInit } from '@azure/functions';
import {
  type Decoded,
  type HttpTrigger,
  InvalidEventError,
  type PipelineFunction,
} from '@cloudport/core';
import { toCookie } from './cookies.js';

const ALL_METHODS: HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

/** What `app.http` is given for a function, besides the handler. */
export interface HttpRegistration {
  methods: HttpMethod[];
  authLevel: 'anonymous' | 'function' | 'admin';
  route: string;
}

/**
 * The HTTP registration of a function: its route is the function's name followed by the
 * trigger's path (`/echo` of function `web` answers `/api/web/echo`), with a trailing `*`
 * as a catch-all parameter; the auth level is the explicit choice, `function` by default.
 */
export function httpRegistration(
  fn: PipelineFunction<HttpTrigger>,
  authLevel: HttpRegistration['authLevel'],
): HttpRegistration {
  const { method, path } = fn.trigger;
  const wildcard = path.endsWith('*');
  const fixed = (wildcard ? path.slice(0, -1) : path).replace(/^\/+|\/+$/g, '');
  const escaped = fixed.replaceAll('{', '{{').replaceAll('}', '}}');
  const parts = [fn.name, escaped, wildcard ? '{*rest}' : ''].filter((part) => part !== '');

  return { methods: method === '*' ? ALL_METHODS : [method], authLevel, route: parts.join('/') };
}

/**
 * The unit of one HTTP invocation: its Web `Request` is built only when the handler runs,
 * with the URL's path made relative to the function (the host's `/api/<function>` prefix
 * removed) and the body streamed from the library's request.
 */
export function decodeHttpRequest(
  fn: PipelineFunction<HttpTrigger>,
  input: unknown,
  basePath: string,
  invocationId: string,
): Decoded {
  if (!isHttpRequest(input)) {
    const error = new InvalidEventError(
      `HTTP invocation of function ${JSON.stringify(fn.name)} has no request (url and method).`,
      { provider: 'azure' },
    );
    return { id: invocationId, error, raw: input };
  }

  return { id: invocationId, request: () => toWebRequest(input, basePath) };
}

function toWebRequest(request: HttpRequest, basePath: string): Request {
  const url = new URL(request.url);
  const path = url.pathname;
  const lower = path.toLowerCase();
  if (lower === basePath || lower.startsWith(`${basePath}/`)) {
    url.pathname = path.slice(basePath.length) || '/';
  }
  const method = request.method.toUpperCase();
  const body = method === 'GET' || method === 'HEAD' ? undefined : (request.body ?? undefined);

  return new Request(url, {
    method,
    headers: request.headers,
    body: body as ReadableStream<Uint8Array> | undefined,
    duplex: 'half',
  } as RequestInit);
}

/**
 * Turns the handler's `Response` into what the v4 library sends: status, headers, each
 * `Set-Cookie` as a cookie (the host keeps one value per header name), and the body as a
 * stream. Without a response (the handler threw), the caller gets a bare 500.
 */
export function toHttpResponse(response: Response | undefined): HttpResponseInit {
  if (!response) return { status: 500, body: 'Internal Server Error' };
  const headers: [string, string][] = [];
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers.push([name, value]);
  });
  const cookies = response.headers.getSetCookie().flatMap((header) => toCookie(header) ?? []);

  return { status: response.status, headers, cookies, body: response.body ?? undefined };
}

function isHttpRequest(input: unknown): input is HttpRequest {
  const candidate = input as Partial<HttpRequest> | null;

  return typeof candidate?.url === 'string' && typeof candidate.method === 'string';
}
