import { randomUUID } from 'node:crypto';
import {
  invoke,
  type Logger,
  type Outcome,
  type Pipeline,
  type PipelineFunction,
  type ReceivedMessage,
  type ResourceResolver,
} from '@cloudport/core';
import type { LocalQueue } from '../queue/index.js';
import type { LocalInput } from './adapter.js';
import { createLocalAdapter } from './adapter.js';
import type { FaultHook } from './faults.js';
import type { InvocationRecord } from './types.js';

/** Where a consumer takes its deliveries from. */
export interface ConsumerSource {
  fn: PipelineFunction;
  queue: LocalQueue<unknown>;
  /** Builds the adapter input for one delivery. */
  input(messages: ReceivedMessage<unknown>[]): LocalInput;
  batchSize: number;
  concurrency: number;
  maxAttempts: number;
}

/** What consumers share: the pipeline, bindings, logging, counters and the fault hook. */
export interface ConsumerContext {
  pipeline: Pipeline;
  resolver: ResourceResolver;
  logger: Logger;
  faults: FaultHook;
  onSettled(fn: PipelineFunction, record: InvocationRecord): void;
}

/** Counts invocations in progress, so a drain knows when all work has stopped. */
export class BusyCounter {
  count = 0;
  /** Called each time the count falls back to zero. */
  onIdle: (() => void) | undefined;

  done(): void {
    this.count -= 1;
    if (this.count === 0) this.onIdle?.();
  }
}

/**
 * Runs `concurrency` workers that receive up to `batchSize` deliveries at a time, run the
 * handler on each in order and settle each delivery by its outcome, until `signal` aborts.
 */
export async function consume(
  source: ConsumerSource,
  context: ConsumerContext,
  busy: BusyCounter,
  signal: AbortSignal,
): Promise<void> {
  const workers = Array.from({ length: source.concurrency }, () =>
    work(source, context, busy, signal),
  );
  await Promise.all(workers);
}

async function work(
  source: ConsumerSource,
  context: ConsumerContext,
  busy: BusyCounter,
  signal: AbortSignal,
): Promise<void> {
  while (!signal.aborted) {
    const messages = await source.queue
      .receive({ maxMessages: source.batchSize, waitMs: 50, signal })
      .catch((error: unknown) => {
        if (!signal.aborted) context.logger.error('receive failed', { error });
        return [] as ReceivedMessage<unknown>[];
      });
    if (messages.length === 0) continue;
    busy.count += 1;
    try {
      await deliver(source, context, messages);
    } catch (error) {
      // The deliveries stay in flight and come back after their visibility timeout.
      context.logger.error('a queue delivery failed outside its handler; it will be redelivered', {
        function: source.fn.name,
        messageIds: messages.map((message) => message.messageId),
        error,
      });
    } finally {
      busy.done();
    }
  }
}

async function deliver(
  source: ConsumerSource,
  context: ConsumerContext,
  messages: ReceivedMessage<unknown>[],
): Promise<void> {
  const { fn } = source;
  const started = performance.now();
  const invocationId = randomUUID();
  const settled = await invoke({
    adapter: createLocalAdapter(context.resolver),
    pipeline: context.pipeline,
    fn,
    input: source.input(messages),
    resolver: context.resolver,
    logger: context.logger.child({ function: fn.name, invocationId }),
    invocationId,
    deadline: Date.now() + fn.timeoutSeconds * 1000,
  });
  const durationMs = Math.round(performance.now() - started);
  for (const [index, unit] of settled.entries()) {
    const message = messages[index]!;
    const disposition = await settleWithRetries(source, context, message, unit.outcome);
    if (disposition === undefined) continue;
    context.onSettled(fn, {
      function: fn.name,
      trigger: fn.trigger.kind,
      eventId: unit.id,
      outcome: disposition,
      durationMs,
      detail: detailOf(unit.outcome),
    });
  }
}

/** Settlement attempts before a delivery is left in flight for its visibility timeout. */
export const SETTLE_ATTEMPTS = 3;

/**
 * Settles a delivery, trying again after a failure (a file the queue could not write, say).
 * When every attempt fails, or the receipt is no longer current, the failure is logged and
 * the delivery is left in flight: it comes back after its visibility timeout, never lost.
 * Returns undefined then.
 */
async function settleWithRetries(
  source: ConsumerSource,
  context: ConsumerContext,
  message: ReceivedMessage<unknown>,
  outcome: Outcome,
): Promise<InvocationRecord['outcome'] | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await settleDelivery(source, context, message, outcome);
    } catch (error) {
      const stale = (error as { code?: unknown }).code === 'PRECONDITION_FAILED';
      const last = stale || attempt >= SETTLE_ATTEMPTS;
      context.logger.error(
        last
          ? 'settling a queue delivery failed; it stays in flight and is redelivered'
          : 'settling a queue delivery failed; trying again',
        { function: source.fn.name, messageId: message.messageId, outcome: outcome.kind, error },
      );
      if (last) return undefined;
      await sleep(50 * attempt);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

async function settleDelivery(
  source: ConsumerSource,
  context: ConsumerContext,
  message: ReceivedMessage<unknown>,
  outcome: Outcome,
): Promise<InvocationRecord['outcome']> {
  const { queue } = source;
  if (outcome.kind === 'processed' || (outcome.kind === 'dead-letter' && outcome.forwarded)) {
    context.faults.pass('handled', source.fn.name);
    await queue.complete(message);
    context.faults.pass('ack', source.fn.name);
    return outcome.kind;
  }
  if (outcome.kind === 'dead-letter') {
    await queue.deadLetter(message, outcome.reason);
    return 'dead-letter';
  }
  if (message.deliveryCount >= source.maxAttempts) {
    const attempts = `${message.deliveryCount} of ${source.maxAttempts} attempts`;
    await queue.deadLetter(message, `failed ${attempts}; last error: ${detailOf(outcome)}`);
    return 'dead-letter';
  }
  await queue.retry(message, { delaySeconds: backoffSeconds(message.deliveryCount) });

  return 'retry';
}

/** Short exponential backoff between local retries: 0.05 s, 0.1 s, 0.2 s ... at most 2 s. */
export function backoffSeconds(deliveryCount: number): number {
  return Math.min(0.05 * 2 ** (deliveryCount - 1), 2);
}

/** The one-line detail of an outcome: the dead-letter reason or the retried error's message. */
export function detailOf(outcome: Outcome): string | undefined {
  if (outcome.kind === 'dead-letter') return outcome.reason;
  if (outcome.kind !== 'retry') return undefined;
  const error = outcome.error;

  return error instanceof Error ? error.message : String(error);
}
