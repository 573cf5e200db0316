import { createHandler, type HttpEventV2, type HttpResultV2 } from '@cloudport/aws';
import { definePipeline, onHttp } from '@cloudport/core';
import { describe, expect, it } from 'vitest';
import { FIXTURE_ENV, fixture } from './support/fixtures.js';

/** One row of fixtures/http-responses.json: what the handler returns and what Lambda gets. */
interface ResponseCase {
  name: string;
  status: number;
  headers: Record<string, string>;
  /** The body's bytes in hex; null for a response without a body. */
  bodyHex: string | null;
  expected: Pick<HttpResultV2, 'statusCode' | 'isBase64Encoded' | 'body'>;
}

function respondWith(respond: (request: Request) => Response, seen: Request[] = []) {
  const pipeline = definePipeline('http-results', {
    respond: {
      trigger: onHttp('*', '/respond'),
      handler: (request) => {
        seen.push(request);
        return respond(request);
      },
    },
  });

  return createHandler(pipeline, 'respond', { env: FIXTURE_ENV, logger: false });
}

function getRequest(): HttpEventV2 {
  const event = fixture<HttpEventV2 & { requestContext: { http: { method: string } } }>(
    'function-url-head',
  );
  event.requestContext.http.method = 'GET';

  return event;
}

describe('HTTP response bodies: text only when it is UTF-8', () => {
  const cases = fixture<ResponseCase[]>('http-responses');

  it.each(cases)('sends $name as expected', async (c) => {
    const bytes = c.bodyHex === null ? null : Buffer.from(c.bodyHex, 'hex');
    const handler = respondWith(
      () => new Response(bytes, { status: c.status, headers: c.headers }),
    );
    const result = (await handler(getRequest())) as HttpResultV2;

    expect(result).toMatchObject(c.expected);
    const sent = result.isBase64Encoded
      ? Buffer.from(result.body ?? '', 'base64')
      : Buffer.from(result.body ?? '', 'utf8');
    expect(sent).toEqual(bytes ?? Buffer.alloc(0));
  });
});

describe('HEAD requests', () => {
  it('reach the handler without a body and return its status and headers, bodiless', async () => {
    const seen: Request[] = [];
    const handler = respondWith(
      () =>
        new Response(null, {
          status: 200,
          headers: { 'content-type': 'text/csv; charset=utf-8', 'content-length': '1843' },
        }),
      seen,
    );
    const result = (await handler(fixture('function-url-head'))) as HttpResultV2;

    expect(seen.map((request) => [request.method, request.body])).toEqual([['HEAD', null]]);
    expect(new URL(seen[0]?.url ?? '').pathname).toBe('/respond');
    expect(result).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'text/csv; charset=utf-8', 'content-length': '1843' },
      body: '',
      isBase64Encoded: false,
    });
  });
});
