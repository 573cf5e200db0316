import type {
  CapabilityDeclaration,
  FeatureId,
  ProviderLimits,
  SupportLevel,
} from '@cloudport/core';
import { defineBodies, defineSendOptions } from './queue-basics.js';
import type { AnyQueue, QueueContext, QueueSuiteSettings, QueueTest } from './queue-context.js';
import { defineLimits, type SentBatches } from './queue-limits.js';
import { type DeadLetters, defineDeadLetters, defineRedelivery } from './queue-settlement.js';
import type { TestRunner } from './runner.js';

/** Options of {@link queueConformance}. */
export interface QueueConformanceOptions {
  /** Names the suite in the runner's output, such as `local` or `sqs on moto`. */
  name: string;
  /** What the queue declares: supported features must work, `no` ones raise `UNSUPPORTED`. */
  capabilities: CapabilityDeclaration;
  /** A fresh, empty queue for one test. */
  create(settings: QueueSuiteSettings): AnyQueue | Promise<AnyQueue>;
  /** Runs after every test, passed or failed, with the queue it used: close it, delete it. */
  cleanup?(queue: AnyQueue): unknown;
  /**
   * The limits the queue enforces; turns on the cases at the exact message, attribute and
   * batch limits. Pass what the queue really enforces where it is stricter than the provider
   * profile (an SQS queue keeps one of its 10 attribute slots, for instance).
   */
  limits?: ProviderLimits;
  /**
   * Lists the queue's dead letters with their reasons. Required when `queue.dead-letter` is
   * declared: without it the dead-letter cases fail, since a queue that deletes would pass.
   */
  deadLetters?: DeadLetters;
  /**
   * Every provider call the queue has made to send, oldest first, with the entries each
   * carried and the bytes the provider counts against its batch limit (SQS: bodies and
   * attributes with their types; Service Bus: the encoded batch). Required with `limits`
   * when `queue.batch-send` is declared: the suite checks that each batch went out in calls
   * within the limits, each filled until the next entry would break one.
   */
  sentBatches?: SentBatches;
  /** Multiplies every timeout, delay and wait, for slow emulators. Defaults to 1. */
  timeScale?: number;
}

/**
 * Registers the queue conformance tests with a test runner. Assertions use
 * `node:assert/strict`, so Vitest, Jest and `node:test` all run it.
 *
 * Where the implementation declares a queue feature unsupported, the suite checks that using
 * it raises `UNSUPPORTED`. With `limits`, messages, attribute sets and batches at exactly each
 * limit must go through, and one byte or entry more must raise `MESSAGE_TOO_LARGE` with
 * nothing sent (a message) or be split (a batch). A body that does not fit the queue's kind
 * raises `INVALID_MESSAGE`. Redelivery declared `no` is not tested, since it cannot fail loud;
 * with `queue.stale-settle` declared, a settlement with a stale receipt must raise
 * `PRECONDITION_FAILED`.
 *
 * @example
 * import { describe, it } from 'vitest';
 * queueConformance({ describe, it }, {
 *   name: 'local',
 *   capabilities: LOCAL_CAPABILITIES,
 *   create: (settings) => openLocalQueue({ ...settings, dir: freshDir() }),
 *   cleanup: (queue) => (queue as LocalQueue).close(),
 *   deadLetters: (queue) => (queue as LocalQueue).deadLetters(),
 * });
 */
export function queueConformance(runner: TestRunner, options: QueueConformanceOptions): void {
  const scale = options.timeScale ?? 1;
  const visibility = Math.ceil(scale);
  // Queue names unique per run, for emulators that keep queues between runs.
  const run = `${Date.now().toString(36).slice(-4)}${Math.floor(Math.random() * 1296)}`;
  let count = 0;
  const test: QueueTest = (title, settings, body) => {
    runner.it(
      title,
      async () => {
        count += 1;
        const queue = await options.create({
          name: `conf-${run}-${count}`,
          body: 'json',
          maxAttempts: 5,
          visibilityTimeoutSeconds: visibility,
          ...settings,
        });
        try {
          await body(queue);
        } finally {
          await options.cleanup?.(queue);
        }
      },
      120_000 * scale,
    );
  };
  const context: QueueContext = {
    test,
    support: (feature: FeatureId): SupportLevel => options.capabilities.features[feature].support,
    limits: options.limits?.queue,
    visibility,
    scale,
    slackMs: 2000 * scale,
  };

  runner.describe(`queue conformance: ${options.name}`, () => {
    runner.describe('bodies and receiving', () => defineBodies(context));
    runner.describe('send options', () => defineSendOptions(context));
    runner.describe('limits and batches', () => defineLimits(context, options.sentBatches));
    runner.describe('redelivery', () => defineRedelivery(context));
    runner.describe('dead letters', () => defineDeadLetters(context, options.deadLetters));
  });
}
