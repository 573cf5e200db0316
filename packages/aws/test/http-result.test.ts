import { createHandler, type HttpEventV2, type HttpResultV2 } from '@cloudport/aws';
import { createJsonLogger, definePipeline, onHttp } from '@cloudport/core';
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

describe("Lambda's 6 MB limit on a buffered response", () => {
  const text = { 'content-type': 'text/plain; charset=utf-8' };

  /** Answers with the response and gives back the result and the errors logged. */
  async function answer(response: () => Response) {
    const lines: Array<{ level: string; error?: { code?: string } }> = [];
    const logger = createJsonLogger({ write: (line) => lines.push(JSON.parse(line)) });
    const pipeline = definePipeline('http-limits', {
      respond: { trigger: onHttp('GET', '/respond'), handler: response },
    });
    const handler = createHandler(pipeline, 'respond', { env: FIXTURE_ENV, logger });
    const result = (await handler(getRequest())) as HttpResultV2;

    return { result, codes: lines.map((line) => line.error?.code) };
  }

  const octets = { 'content-type': 'application/octet-stream' };
  it.each([
    ['text in UTF-8 bytes: 3.2 million two-byte characters', 'é'.repeat(3_200_000), text],
    ['binary bodies as base64: 4.8 MB of bytes', new Uint8Array(4_800_000), octets],
    ['text as JSON escapes it: 3.5 million newlines, 7 MB', '\n'.repeat(3_500_000), text],
  ])('counts %s, over it', async (_what, body, headers) => {
    const { result, codes } = await answer(() => new Response(body, { headers }));

    expect(result.statusCode).toBe(500);
    expect(codes).toEqual(['MESSAGE_TOO_LARGE']);
  });

  it('sends a text body just under it whole', async () => {
    const body = 'a'.repeat(6 * 1024 * 1024 - 200);
    const { result, codes } = await answer(() => new Response(body, { headers: text }));

    expect(result.statusCode).toBe(200);
    expect(result.body?.length).toBe(body.length);
    expect(codes).toEqual([]);
  });
});
