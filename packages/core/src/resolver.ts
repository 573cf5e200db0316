import { AsyncLocalStorage } from 'node:async_hooks';
import { InvalidConfigError } from './errors.js';
import type { MessageQueue } from './queue.js';
import type { QueueRef } from './resources.js';
import type { ObjectStore } from './store.js';

/** Gives the store or queue that a logical resource is bound to on the active platform. */
export interface ResourceResolver {
  store(bucket: string): ObjectStore;
  queue<T>(queue: QueueRef<T>): MessageQueue<T>;
}

const scoped = new AsyncLocalStorage<ResourceResolver>();
let fallback: ResourceResolver | undefined;

/** Makes `resolver` the one resources use while `fn` runs (and in what it awaits). */
export function withResolver<T>(resolver: ResourceResolver, fn: () => T): T {
  return scoped.run(resolver, fn);
}

/**
 * Like {@link withResolver}, but without entering a scope when `resolver` is already the one
 * in effect: a deployed function binds one resolver at cold start, and the scope would only
 * cost time on every invocation.
 */
export function runWithResolver<T>(resolver: ResourceResolver, fn: () => T): T {
  if (resolver === (scoped.getStore() ?? fallback)) return fn();

  return scoped.run(resolver, fn);
}

/** Sets the resolver used outside {@link withResolver}; adapters call it at cold start. */
export function setDefaultResolver(resolver: ResourceResolver | undefined): void {
  fallback = resolver;
}

/** The active resolver, or `INVALID_CONFIG` when no runtime has bound resources. */
export function currentResolver(): ResourceResolver {
  const resolver = scoped.getStore() ?? fallback;
  if (resolver) return resolver;

  throw new InvalidConfigError(
    'No runtime has bound resources: call a bucket or queue from inside a handler, ' +
      'or bind them first (for example with createLocalRuntime or an adapter).',
  );
}
