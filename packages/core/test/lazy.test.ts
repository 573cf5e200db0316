import { InvalidConfigError, isCloudportError, lazyHandler } from '@cloudport/core';
import { describe, expect, it } from 'vitest';

type Handler = (event: string, context: { id: number }) => Promise<string>;

function counted<T>(value: T): { load: () => Promise<T>; calls: () => number } {
  let calls = 0;
  const load = async () => {
    calls++;
    return value;
  };

  return { load, calls: () => calls };
}

describe('lazyHandler', () => {
  it('loads the handler on the first call and passes every argument through', async () => {
    const seen: Array<[string, { id: number }]> = [];
    const real: Handler = async (event, context) => {
      seen.push([event, context]);
      return `done ${event}`;
    };
    const { load, calls } = counted(real);
    const handler = lazyHandler(load);
    expect(calls()).toBe(0);

    await expect(handler('a', { id: 1 })).resolves.toBe('done a');
    await expect(handler('b', { id: 2 })).resolves.toBe('done b');
    expect(calls()).toBe(1);
    expect(seen).toEqual([
      ['a', { id: 1 }],
      ['b', { id: 2 }],
    ]);
  });

  it('makes calls that arrive during the load wait for that one load', async () => {
    let release: (value: Handler) => void = () => {};
    let loads = 0;
    const handler = lazyHandler<Handler>(() => {
      loads++;
      return new Promise((resolve) => {
        release = resolve;
      });
    });
    const first = handler('a', { id: 1 });
    const second = handler('b', { id: 2 });
    await Promise.resolve();
    release(async (event) => event.toUpperCase());

    await expect(Promise.all([first, second])).resolves.toEqual(['A', 'B']);
    expect(loads).toBe(1);
  });

  it('takes the default export of a module', async () => {
    const handler = lazyHandler<Handler>(async () => ({ default: async (event) => `m ${event}` }));

    await expect(handler('x', { id: 0 })).resolves.toBe('m x');
  });

  it('answers with what a synchronous handler returns once it is loaded', async () => {
    const handler = lazyHandler(async () => (value: number) => value * 2);

    await expect(handler(2)).resolves.toBe(4);
    expect(handler(3)).toBe(6);
  });

  it('rejects the waiting calls when the load fails, and loads again next time', async () => {
    let attempt = 0;
    const handler = lazyHandler<Handler>(async () => {
      attempt++;
      if (attempt === 1) throw new Error('chunk missing');
      return async (event) => `second ${event}`;
    });

    await expect(handler('a', { id: 1 })).rejects.toThrow('chunk missing');
    await expect(handler('b', { id: 2 })).resolves.toBe('second b');
    expect(attempt).toBe(2);
  });

  it('rejects a loader that throws synchronously instead of throwing from the call', async () => {
    const handler = lazyHandler<Handler>(() => {
      throw new Error('no such module');
    });
    const call = handler('a', { id: 1 });

    await expect(call).rejects.toThrow('no such module');
  });

  it('fails the call with INVALID_CONFIG when the loader resolves to no handler', async () => {
    const handler = lazyHandler<Handler>(async () => ({ parseUpload: 1, other: 2 }) as never);
    const error = await handler('a', { id: 1 }).catch((caught: unknown) => caught);

    expect(isCloudportError(error, 'INVALID_CONFIG')).toBe(true);
    expect((error as Error).message).toContain('it exports parseUpload, other');
  });

  it('refuses something other than a loader function at once', () => {
    expect(() => lazyHandler('./parse.js' as never)).toThrow(InvalidConfigError);
  });
});
