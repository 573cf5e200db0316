import type { AsyncLocalStorage } from 'node:async_hooks';
import { InvalidConfigError } from './errors.js';
import type { MessageQueue } from './queue.js';
import type { QueueRef } from './resources.js';
import type { ObjectStore } from './store.js';

/** Gives the store or queue that a logical resource is bound to on the active platform. */
export interface ResourceResolver {
  store(bucket: string): ObjectStore;
  queue<T>(queue: QueueRef<T>): MessageQueue<T>;
}

type AsyncHooks = typeof import('node:async_hooks');

// The scope is made on the first withResolver(): importing node:async_hooks takes about 1.5 ms
// of a cold start, and a deployed function, which binds one default resolver, never needs it.
let scoped: AsyncLocalStorage<ResourceResolver> | undefined;
let fallback: ResourceResolver | undefined;
// Node before 20.16 has no process.getBuiltinModule: the module is then loaded at import, so
// that it is there by the time a handler runs.
let preloaded: AsyncHooks | undefined;
if (typeof process.getBuiltinModule !== 'function') {
  import('node:async_hooks').then((hooks) => {
    preloaded = hooks;
  });
}

/** Makes `resolver` the one resources use while `fn` runs (and in what it awaits). */
export function withResolver<T>(resolver: ResourceResolver, fn: () => T): T {
  return scope().run(resolver, fn);
}

/**
 * Like {@link withResolver}, but without entering a scope when `resolver` is already the one
 * in effect: a deployed function binds one resolver at cold start, and the scope would only
 * cost time on every invocation.
 */
export function runWithResolver<T>(resolver: ResourceResolver, fn: () => T): T {
  if (isActiveResolver(resolver)) return fn();

  return scope().run(resolver, fn);
}

/** True when `resolver` is the one in effect here, so that no scope is needed to run with it. */
export function isActiveResolver(resolver: ResourceResolver): boolean {
  return resolver === (scoped?.getStore() ?? fallback);
}

/** Sets the resolver used outside {@link withResolver}; adapters call it at cold start. */
export function setDefaultResolver(resolver: ResourceResolver | undefined): void {
  fallback = resolver;
}

/** The active resolver, or `INVALID_CONFIG` when no runtime has bound resources. */
export function currentResolver(): ResourceResolver {
  const resolver = scoped?.getStore() ?? fallback;
  if (resolver) return resolver;

  throw new InvalidConfigError(
    'No runtime has bound resources: call a bucket or queue from inside a handler, ' +
      'or bind them first (for example with createLocalRuntime or an adapter).',
  );
}

function scope(): AsyncLocalStorage<ResourceResolver> {
  if (scoped) return scoped;
  const hooks = preloaded ?? process.getBuiltinModule?.('node:async_hooks');
  if (!hooks) {
    throw new InvalidConfigError(
      'node:async_hooks is still loading: on Node before 20.16, bind resources with ' +
        'withResolver only after the module that imports @cloudport/core has loaded.',
    );
  }
  scoped = new hooks.AsyncLocalStorage<ResourceResolver>();

  return scoped;
}
