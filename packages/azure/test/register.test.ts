import './helpers/functions-host.js';
import {
  bucket,
  currentResolver,
  definePipeline,
  onMessage,
  onObjectCreated,
  queue,
} from '@cloudport/core';
import { describe, expect, it } from 'vitest';
import { type FunctionsApp, registerFunctions } from '../src/index.js';
import { invokeFunction } from './helpers/functions-host.js';
import { serviceBusInvocation } from './helpers/host-data.js';

const inbox = queue<{ hello: string }>('inbox');
const pipeline = definePipeline('registry', {
  greet: {
    trigger: onMessage(inbox),
    handler: (message, context) => {
      context.logger.info('greeting', { to: message.body.hello, secret: undefined });
    },
  },
});
const env = {
  CLOUDPORT_QUEUE_INBOX: 'prod-inbox',
  CLOUDPORT_SERVICEBUS: 'Endpoint=sb://x/;SharedAccessKeyName=a;SharedAccessKey=b',
};

describe('registerFunctions', () => {
  it('returns the handler it registered, and logs through the invocation context', async () => {
    const registered = registerFunctions(pipeline, { env });
    expect([...registered.handlers.keys()]).toEqual(['greet']);
    expect(registered.registrations.get('greet')?.method).toBe('serviceBusQueue');
    const result = await invokeFunction(
      'greet',
      serviceBusInvocation({ messageId: 'g-1', body: { hello: 'ana' }, kind: 'json' }),
    );
    expect(result.ok).toBe(true);
    expect(result.logs).toEqual([
      expect.stringMatching(/^greeting \{"invocationId":"invocation-\d+","to":"ana"\}$/),
    ]);
    await registered.close();
  });

  it('registers with an app it is given, handler included', () => {
    const calls: Array<[string, Record<string, unknown>]> = [];
    const record = (name: string, options: Record<string, unknown>) => calls.push([name, options]);
    const app = {
      eventGrid: record,
      storageBlob: record,
      serviceBusQueue: record,
      http: record,
      timer: record,
    };
    registerFunctions(pipeline, { env, app: app as unknown as FunctionsApp });
    expect(calls).toEqual([
      [
        'greet',
        expect.objectContaining({ queueName: 'prod-inbox', handler: expect.any(Function) }),
      ],
    ]);
  });

  it('binds resources for code outside handlers, at cold start', () => {
    const registered = registerFunctions(pipeline, { env });
    expect(currentResolver()).toBe(registered.resolver);
  });

  it('refuses at cold start a trigger whose resource is not bound, naming the variable', () => {
    const uploads = definePipeline('unbound', {
      parse: { trigger: onObjectCreated(bucket('uploads')), handler: () => {} },
    });
    expect(() => registerFunctions(uploads, { env: {} })).toThrow(/CLOUDPORT_BUCKET_UPLOADS/);
    expect(() => registerFunctions(pipeline, { env: {} })).toThrow(
      expect.objectContaining({
        code: 'INVALID_CONFIG',
        message: expect.stringContaining('CLOUDPORT_QUEUE_INBOX'),
      }),
    );
  });

  it('reads identity-based settings, and names the setting a client misses', async () => {
    const registered = registerFunctions(pipeline, {
      env: {
        CLOUDPORT_QUEUE_INBOX: 'prod-inbox',
        CLOUDPORT_SERVICEBUS__fullyQualifiedNamespace: 'ns.servicebus.windows.net',
      },
    });
    await expect(registered.resolver.queue(inbox).send({ hello: 'x' })).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringContaining('CLOUDPORT_SERVICEBUS'),
    });
  });
});
