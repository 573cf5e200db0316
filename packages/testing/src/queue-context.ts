import assert from 'node:assert/strict';
import type {
  BodyKind,
  ConsumableQueue,
  FeatureId,
  QueueLimits,
  ReceivedMessage,
  SupportLevel,
} from '@cloudport/core';

/** A queue under test; any body type. */
export type AnyQueue = ConsumableQueue<unknown>;

/** The settings each test creates its fresh queue with. */
export interface QueueSuiteSettings {
  /** A unique, portable queue name for this test. */
  name: string;
  body: BodyKind;
  maxAttempts: number;
  visibilityTimeoutSeconds: number;
}

/** One provider call a queue made to send: the entries it carried and their bytes. */
export interface SentBatch {
  entries: number;
  /** Bytes the provider counts against its batch limit, as it counts them. */
  bytes: number;
}

/** Registers one queue case: `body` gets a fresh queue made with `settings`. */
export type QueueTest = (
  title: string,
  settings: Partial<QueueSuiteSettings>,
  body: (queue: AnyQueue) => Promise<void>,
) => void;

/** What the case groups share: the registrar, the declaration and timing helpers. */
export interface QueueContext {
  test: QueueTest;
  support(feature: FeatureId): SupportLevel;
  limits: QueueLimits | undefined;
  /** The visibility timeout of every test queue, in whole seconds. */
  visibility: number;
  scale: number;
  /** How long to wait for a message that should arrive. */
  slackMs: number;
}

/** Receives until `wanted` messages arrived or `withinMs` passed; settles none of them. */
export async function collectMessages(
  queue: AnyQueue,
  wanted: number,
  withinMs: number,
): Promise<ReceivedMessage<unknown>[]> {
  const received: ReceivedMessage<unknown>[] = [];
  const deadline = Date.now() + withinMs;
  while (received.length < wanted) {
    const left = deadline - Date.now();
    assert.ok(left > 0, `only ${received.length} of ${wanted} messages arrived in ${withinMs} ms`);
    const maxMessages = Math.min(10, wanted - received.length);
    received.push(...(await queue.receive({ maxMessages, waitMs: Math.min(left, 1000) })));
  }

  return received;
}

/**
 * Receives and completes messages until `wanted` distinct ones arrived, failing on a second
 * delivery of any; returns the body of each by message id. Settling as they come keeps every
 * delivery well inside its visibility timeout, however large the batch.
 */
export async function drainMessages(
  queue: AnyQueue,
  wanted: number,
  withinMs: number,
): Promise<Map<string, unknown>> {
  const bodies = new Map<string, unknown>();
  const deadline = Date.now() + withinMs;
  while (bodies.size < wanted) {
    const left = deadline - Date.now();
    assert.ok(left > 0, `only ${bodies.size} of ${wanted} messages arrived in ${withinMs} ms`);
    const maxMessages = Math.min(100, wanted - bodies.size);
    for (const message of await queue.receive({ maxMessages, waitMs: Math.min(left, 1000) })) {
      assert.ok(!bodies.has(message.messageId), `${message.messageId} was delivered twice`);
      bodies.set(message.messageId, message.body);
      await queue.complete(message);
    }
  }

  return bodies;
}

/** Checks that no message arrives within `ms`. */
export async function nothingArrives(queue: AnyQueue, ms: number, why: string): Promise<void> {
  const late = await queue.receive({ maxMessages: 10, waitMs: ms });
  assert.deepEqual(
    late.map((message) => message.body),
    [],
    why,
  );
}

/** The first message to arrive within `withinMs`, unsettled. */
export async function one(queue: AnyQueue, withinMs: number): Promise<ReceivedMessage<unknown>> {
  return (await collectMessages(queue, 1, withinMs))[0] as ReceivedMessage<unknown>;
}
