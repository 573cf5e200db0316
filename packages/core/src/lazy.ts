import { InvalidConfigError } from './errors.js';

// biome-ignore lint/suspicious/noExplicitAny: handler parameters are contravariant
type AnyHandler = (...args: any[]) => unknown;

/** What a handler loader may resolve to: the handler, or a module whose default export it is. */
export type LoadedHandler<H extends AnyHandler> = H | { default: H };

/**
 * Wraps a handler that lives in a module of its own, loaded on the first call and kept for
 * the rest of the process. A pipeline module that names its handlers this way imports none of
 * them, so a bundler that splits code at `import()` (esbuild with `splitting`, Rollup, webpack)
 * puts each handler and what it imports in a chunk of its own: a Lambda, Cloud Run or Azure
 * function built for one function then loads that function's code only, and nothing of the
 * pipeline's other handlers runs at its cold start. Without splitting the code is still in the
 * bundle, but the other handlers' modules are never evaluated.
 *
 * Calls that arrive while the module loads wait for that one load. A load that fails rejects
 * the calls that waited for it, so their events are retried like any failed handler's, and the
 * next call loads again. A loader that resolves to something other than a function (or a
 * module with a function as its default export) fails the call with `INVALID_CONFIG`.
 *
 * @example
 * const parse = defineFunction({
 *   trigger: onObjectCreated(uploads),
 *   handler: lazyHandler(() => import('./parse.js').then((module) => module.parseUpload)),
 * });
 */
export function lazyHandler<H extends AnyHandler>(load: () => Promise<LoadedHandler<H>>): H {
  if (typeof load !== 'function') {
    throw new InvalidConfigError(
      `lazyHandler takes a function that loads the handler, got ${typeof load}; write ` +
        "lazyHandler(() => import('./handler.js')).",
    );
  }
  let loaded: AnyHandler | undefined;
  let loading: Promise<AnyHandler> | undefined;
  const start = (): Promise<AnyHandler> => {
    const pending = Promise.resolve()
      .then(load)
      .then(handlerOf)
      .then(
        (handler) => {
          loaded = handler;
          return handler;
        },
        (error: unknown) => {
          loading = undefined;
          throw error;
        },
      );
    loading = pending;

    return pending;
  };

  // Every trigger's handler takes two arguments, the event (or request) and the context.
  const lazy = (first: unknown, context: unknown): unknown => {
    if (loaded !== undefined) return loaded(first, context);

    return (loading ?? start()).then((handler) => handler(first, context));
  };

  return lazy as unknown as H;
}

function handlerOf(value: unknown): AnyHandler {
  if (typeof value === 'function') return value as AnyHandler;
  const fallback = (value as { default?: unknown } | null | undefined)?.default;
  if (typeof fallback === 'function') return fallback as AnyHandler;
  const what = value === null || typeof value !== 'object' ? String(value) : 'a module';
  const names = value !== null && typeof value === 'object' ? Object.keys(value) : [];
  const exported = names.length > 0 ? ` (it exports ${names.slice(0, 6).join(', ')})` : '';

  throw new InvalidConfigError(
    `A lazyHandler loader resolved to ${what}${exported}, not a handler: resolve to the ` +
      'handler function, or to a module whose default export is one.',
  );
}
