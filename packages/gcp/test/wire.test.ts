import { GCP_LIMITS } from '@cloudport/core';
import { describe, expect, it } from 'vitest';
import { MAX_ORDERING_KEY_BYTES, toWireMessage } from '../src/queue/wire.js';

const limits = GCP_LIMITS.queue;
const send = (orderingKey: unknown) =>
  toWireMessage('rows', 'json', { body: { n: 1 }, orderingKey } as never, limits);

describe('ordering keys on the wire', () => {
  it('accepts a key of exactly 1,024 bytes and counts it in the message size', () => {
    const key = 'k'.repeat(MAX_ORDERING_KEY_BYTES);
    const message = send(key);

    expect(message.orderingKey).toBe(key);
    expect(message.size).toBe(Buffer.byteLength('{"n":1}') + 1024);
  });

  it.each([
    ['1,025 ASCII bytes', 'k'.repeat(1025), 1025],
    ['342 three-byte characters', '€'.repeat(342), 1026],
  ])('refuses a key of %s with MESSAGE_TOO_LARGE naming length and limit', (_, key, bytes) => {
    let error: unknown;
    try {
      send(key);
    } catch (caught) {
      error = caught;
    }

    expect(error).toMatchObject({
      code: 'MESSAGE_TOO_LARGE',
      provider: 'gcp',
      size: bytes,
      limit: 1024,
      message: expect.stringContaining(`has ${bytes} bytes of UTF-8; Pub/Sub allows 1024`),
    });
  });

  it.each([
    ['', 'an empty string'],
    [42, 'number'],
  ])('refuses the ordering key %j as INVALID_CONFIG', (key, described) => {
    expect(() => send(key)).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
    expect(() => send(key)).toThrow(`got ${described}`);
  });
});
