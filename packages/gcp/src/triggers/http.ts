import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type HttpTrigger, matchesPath } from '@cloudport/core';

/**
 * The Express request functions-framework passes to an `http` function, as far as the adapter
 * reads it: a Node request plus `rawBody` (the bytes its body parsers kept), `originalUrl` and
 * `protocol` (which honours `X-Forwarded-Proto`, since the framework trusts the proxy).
 */
export type FrameworkRequest = IncomingMessage & {
  rawBody?: Buffer;
  originalUrl?: string;
  protocol?: string;
  executionId?: string;
  abortController?: AbortController;
};

/** Why a request does not reach the handler: 404 for another path, 405 for another method. */
export function routeStatus(trigger: HttpTrigger, method: string, path: string): 404 | 405 | 200 {
  if (!matchesPath(trigger, path)) return 404;
  if (trigger.method === '*' || trigger.method === method) return 200;

  return method === 'HEAD' && trigger.method === 'GET' ? 200 : 405;
}

/**
 * Builds the Web `Request` a handler gets; called only when the handler asks for it. The body
 * is the raw bytes the framework kept (`req.rawBody`), never re-serialised JSON; when no body
 * parser took the stream (a body without a content type) the stream itself is the body.
 * Repeated headers stay repeated, as `rawHeaders` has them.
 */
export function toWebRequest(req: FrameworkRequest): Request {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let index = 0; index + 1 < raw.length; index += 2) {
    const name = raw[index] as string;
    if (!name.startsWith(':')) headers.append(name, raw[index + 1] as string);
  }
  const method = req.method ?? 'GET';
  const origin = `${req.protocol ?? 'http'}://${req.headers.host ?? 'localhost'}`;
  const url = `${origin}${req.originalUrl ?? req.url ?? '/'}`;
  const init: RequestInit & { duplex?: 'half' } = { method, headers };
  if (method !== 'GET' && method !== 'HEAD') {
    const raw = req.rawBody;
    if (raw !== undefined)
      init.body = new Uint8Array(raw.buffer as ArrayBuffer, raw.byteOffset, raw.length);
    else if (!req.readableEnded && hasBody(req)) {
      init.body = Readable.toWeb(req) as ReadableStream<Uint8Array>;
      init.duplex = 'half';
    }
  }

  return new Request(url, init);
}

/**
 * Writes a handler's `Response` back through the framework's response: status, every header
 * (each `Set-Cookie` on its own line), and the body streamed as bytes.
 */
export async function writeWebResponse(
  response: Response,
  res: ServerResponse,
  method: string,
): Promise<void> {
  res.statusCode = response.status;
  if (response.statusText) res.statusMessage = response.statusText;
  for (const [name, value] of response.headers) {
    if (name !== 'set-cookie') res.setHeader(name, value);
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader('set-cookie', cookies);
  if (!response.body || method === 'HEAD') {
    await response.body?.cancel();
    res.end();
    return;
  }

  await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), res);
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];

  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
