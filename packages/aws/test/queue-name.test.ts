import { describe, expect, it } from 'vitest';
import { queueNameOf } from '../src/binding.js';

describe('queueNameOf', () => {
  const cases: Array<[string, string]> = [
    ['acme-rows', 'acme-rows'],
    ['https://sqs.eu-west-1.amazonaws.com/123456789012/acme-rows', 'acme-rows'],
    ['HTTP://localhost:4566/000000000000/orders.fifo/', 'orders.fifo'],
    ['http://localhost:9324/queue/rows//', 'rows'],
    ['https://sqs.example.com/1/rows?Action=Send#top', 'rows'],
    ['https://sqs.example.com/1/rows#part/of/fragment', 'rows'],
    ['http://sqs.example.com/1/a%20b', 'a b'],
    ['https://sqs.example.com', ''],
    ['https://sqs.example.com/', ''],
    ['https://sqs.example.com?path=/not/a/path', ''],
  ];

  it.each(cases)('reads %s as %j', (value, name) => {
    expect(queueNameOf(value)).toBe(name);
  });

  it.each(cases)('agrees with the URL parser on %s', (value) => {
    if (!/^https?:\/\//i.test(value)) return;
    const path = new URL(value).pathname.replace(/\/+$/, '');

    expect(queueNameOf(value)).toBe(decodeURIComponent(path.slice(path.lastIndexOf('/') + 1)));
  });
});
