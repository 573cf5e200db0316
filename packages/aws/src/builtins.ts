import { createRequire } from 'node:module';

type Crypto = typeof import('node:crypto');

const load = createRequire(import.meta.url);
let crypto: Crypto | undefined;

/**
 * `node:crypto`, loaded on first use: loading it takes about 3 ms, a large share of a cold
 * start, and most handlers (every SQS, HTTP and schedule function) never need it.
 */
export function nodeCrypto(): Crypto {
  crypto ??= load('node:crypto') as Crypto;
  return crypto;
}

/** A random UUID, without loading `node:crypto` at cold start. */
export function randomId(): string {
  return nodeCrypto().randomUUID();
}
