// Outside the Functions host the v4 library skips registration (test mode): the handlers that
// registerFunctions returns are called directly, with the library's own InvocationContext and
// HttpRequest, imported the way plain Node.js can (the package is CommonJS).
import functions from '@azure/functions';
import { definePipeline, onHttp, onSchedule } from '@cloudport/core';
import { describe, expect, it, vi } from 'vitest';
import { registerFunctions } from '../src/index.js';

const pipeline = definePipeline('plain-node', {
  hello: {
    trigger: onHttp('GET', '/hello/*'),
    handler: async (request) => new Response(`hello ${new URL(request.url).pathname}`),
  },
  tick: { trigger: onSchedule('0 * * * *'), handler: () => {} },
});

describe('outside the Functions host', () => {
  it('still returns callable handlers for every function', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const registered = registerFunctions(pipeline, { env: {} });
    warn.mockRestore();
    const context = new functions.InvocationContext({
      invocationId: 'inv-1',
      functionName: 'hello',
    });
    const request = new functions.HttpRequest({
      method: 'GET',
      url: 'https://app.example/api/hello/hello/ana',
    });
    const handler = registered.handlers.get('hello');
    const init = (await handler?.(request, context)) as functions.HttpResponseInit;
    const response = new functions.HttpResponse(init);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('hello /hello/ana');
    const tick = registered.handlers.get('tick');
    await expect(
      tick?.({ isPastDue: false }, new functions.InvocationContext()),
    ).resolves.toBeUndefined();
  });
});
