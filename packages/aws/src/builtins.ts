/**
 * A random UUID from the global Web Crypto object. Importing `node:crypto` at module load takes
 * about 3 ms, a large share of a cold start; the global loads its part of it on first use, and
 * most handlers (every SQS, S3 and schedule function with a Lambda context) never use it.
 */
export function randomId(): string {
  return globalThis.crypto.randomUUID();
}
