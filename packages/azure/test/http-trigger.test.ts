import './helpers/functions-host.js';
import { definePipeline, onHttp } from '@cloudport/core';
import { describe, expect, it } from 'vitest';
import { registerFunctions } from '../src/index.js';
import { toCookie } from '../src/triggers/cookies.js';
import { invokeFunction, triggerOf } from './helpers/functions-host.js';
import { httpInvocation, toWebResponse } from './helpers/host-data.js';

let lastUrl = '';
const pipeline = definePipeline('web-app', {
  echo: {
    trigger: onHttp('POST', '/echo'),
    handler: async (request) => {
      lastUrl = request.url;
      const body = new Uint8Array(await request.arrayBuffer());
      const headers = new Headers({
        'content-type': 'application/octet-stream',
        'x-seen': request.headers.get('x-in') ?? '',
      });
      headers.append('set-cookie', 'sid=abc; Path=/; HttpOnly; SameSite=Lax');
      headers.append('set-cookie', 'theme=dark; Max-Age=3600; Secure');
      return new Response(body.reverse(), { status: 201, headers });
    },
  },
  files: {
    trigger: onHttp('*', '/files/*'),
    handler: async (request) => {
      lastUrl = request.url;
      return new Response(request.method === 'HEAD' ? null : 'listed');
    },
  },
  broken: {
    trigger: onHttp('GET'),
    handler: async () => {
      throw new Error('boom');
    },
  },
});

registerFunctions(pipeline, { env: {}, functions: { files: { authLevel: 'anonymous' } } });

describe('the HTTP trigger', () => {
  it('registers routes under the function name with an explicit auth level', () => {
    expect(triggerOf('echo')).toMatchObject({
      type: 'httpTrigger',
      methods: ['POST'],
      route: 'echo/echo',
      authLevel: 'function',
    });
    expect(triggerOf('files')).toMatchObject({
      route: 'files/files/{*rest}',
      authLevel: 'anonymous',
    });
    expect(triggerOf('files').methods).toEqual([
      'GET',
      'POST',
      'PUT',
      'PATCH',
      'DELETE',
      'HEAD',
      'OPTIONS',
    ]);
    expect(triggerOf('broken')).toMatchObject({ route: 'broken', methods: ['GET'] });
  });

  it('hands the handler a Web request relative to the function, returns its response', async () => {
    const request = new Request('https://app.example/echo?q=a%20b', {
      method: 'POST',
      body: new Uint8Array([1, 2, 250]),
      headers: { 'x-in': 'hello' },
    });
    const result = await invokeFunction('echo', await httpInvocation(request, 'echo'));
    expect(result.ok).toBe(true);
    expect(lastUrl).toBe('https://app.example/echo?q=a%20b');
    const response = toWebResponse(result.ok ? result.returnValue : undefined);
    expect(response.status).toBe(201);
    expect(response.headers.get('x-seen')).toBe('hello');
    expect(response.headers.getSetCookie()).toEqual([
      'sid=abc; Path=/; HttpOnly',
      'theme=dark; Max-Age=3600; Secure',
    ]);
    expect([...new Uint8Array(await response.arrayBuffer())]).toEqual([250, 2, 1]);
  });

  it('keeps the rest of a catch-all path and answers any method', async () => {
    const result = await invokeFunction(
      'files',
      await httpInvocation(
        new Request('https://app.example/files/a/b.txt', { method: 'HEAD' }),
        'files',
      ),
    );
    expect(result.ok).toBe(true);
    expect(lastUrl).toBe('https://app.example/files/a/b.txt');
  });

  it('answers 500 when the handler throws, without the error text', async () => {
    const result = await invokeFunction(
      'broken',
      await httpInvocation(new Request('https://app.example/'), 'broken'),
    );
    const response = toWebResponse(result.ok ? result.returnValue : undefined);
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain('boom');
  });
});

describe('Set-Cookie parsing', () => {
  it.each([
    ['sid=abc', { name: 'sid', value: 'abc' }],
    ['a=b=c; Path=/x', { name: 'a', value: 'b=c', path: '/x' }],
    [
      'id=1; Domain=example.com; Expires=Wed, 21 Oct 2026 07:28:00 GMT; Secure; HttpOnly; ' +
        'SameSite=strict',
      {
        name: 'id',
        value: '1',
        domain: 'example.com',
        expires: new Date('2026-10-21T07:28:00Z'),
        secure: true,
        httpOnly: true,
        sameSite: 'Strict',
      },
    ],
    ['n=v; Max-Age=0; Partitioned', { name: 'n', value: 'v', maxAge: 0 }],
  ])('reads %j', (header, cookie) => {
    expect(toCookie(header)).toEqual(cookie);
  });

  it.each(['no-equals-sign', '=value-only'])('ignores %j, which names no cookie', (header) => {
    expect(toCookie(header)).toBeUndefined();
  });
});
