import assert from 'node:assert/strict';
import type { DeadLetter } from '@cloudport/core';
import { rejectsWith } from './assertions.js';
import { type AnyQueue, nothingArrives, one, type QueueContext } from './queue-context.js';

/** Lists a queue's dead letters; see `QueueConformanceOptions.deadLetters`. */
export type DeadLetters = (queue: AnyQueue) => Promise<ReadonlyArray<DeadLetter<unknown>>>;

/**
 * Redelivery, retries, stale receipts, completion. With `queue.stale-settle` declared (`yes` or
 * `partial`), settling with the receipt of an earlier delivery, once the same queue object has
 * received a newer one, must raise `PRECONDITION_FAILED`.
 */
export function defineRedelivery(context: QueueContext): void {
  const { test, support, visibility, slackMs, scale } = context;
  const redelivered = (queue: AnyQueue) => one(queue, visibility * 1000 + slackMs);

  test('a completed message is not delivered again, even after its timeout', {}, async (queue) => {
    await queue.send({ n: 1 });
    await queue.complete(await one(queue, slackMs));
    await nothingArrives(queue, visibility * 1000 + 500 * scale, 'not delivered again');
  });

  if (support('queue.redelivery') === 'no') return;

  test('an unsettled message comes again after its timeout, count higher', {}, async (queue) => {
    await queue.send({ n: 1 });
    const first = await one(queue, slackMs);
    await nothingArrives(queue, 0, 'hidden while in flight');
    const second = await redelivered(queue);
    assert.equal(second.messageId, first.messageId);
    assert.equal(second.deliveryCount, 2);
    assert.notEqual(second.receipt, first.receipt, 'a new delivery has a new receipt');
    await queue.complete(second);
  });

  // `partial` promises the refusal at least where this case looks: the newer delivery was
  // received through the same queue object. `no` promises nothing about the stale receipt.
  const refusesStale = support('queue.stale-settle') !== 'no';
  const staleTitle = refusesStale
    ? 'settling with the receipt of an earlier delivery is refused with PRECONDITION_FAILED'
    : 'after a redelivery, settling with the latest receipt completes the message';
  test(staleTitle, {}, async (queue) => {
    await queue.send({ n: 1 });
    const stale = await one(queue, slackMs);
    const current = await redelivered(queue);
    assert.equal(current.messageId, stale.messageId);
    if (refusesStale) {
      await rejectsWith(() => queue.complete(stale), 'PRECONDITION_FAILED', 'complete(stale)');
      await rejectsWith(() => queue.retry(stale), 'PRECONDITION_FAILED', 'retry(stale)');
    }
    await queue.complete(current);
    await nothingArrives(queue, visibility * 1000 + 500 * scale, 'completed by its own receipt');
  });

  test('retry makes the message visible again with a higher deliveryCount', {}, async (queue) => {
    await queue.send({ n: 1 });
    const first = await one(queue, slackMs);
    await queue.retry(first);
    const second = await one(queue, slackMs);
    assert.equal(second.messageId, first.messageId);
    assert.equal(second.deliveryCount, 2);
  });

  const delaySeconds = visibility;
  test('retry with a delay keeps the message hidden until the delay passed', {}, async (queue) => {
    await queue.send({ n: 1 });
    const first = await one(queue, slackMs);
    const retried = Date.now();
    await queue.retry(first, { delaySeconds });
    await nothingArrives(queue, 0, 'hidden during the retry delay');
    const second = await one(queue, delaySeconds * 1000 + slackMs);
    assert.equal(second.messageId, first.messageId);
    assert.ok(Date.now() - retried >= delaySeconds * 1000 - 50, 'received after the delay');
  });
}

/**
 * Dead letters. With `queue.dead-letter` declared the suite reads them back through
 * `deadLetters`, so a queue that deletes instead of setting aside fails; without it,
 * `deadLetter` must raise UNSUPPORTED.
 */
export function defineDeadLetters(context: QueueContext, read: DeadLetters | undefined): void {
  const { test, support, visibility, slackMs, scale } = context;
  if (support('queue.dead-letter') === 'no') {
    test('deadLetter raises UNSUPPORTED and leaves the message unsettled', {}, async (queue) => {
      await queue.send({ n: 1 });
      const message = await one(queue, slackMs);
      await rejectsWith(() => queue.deadLetter(message, 'no store'), 'UNSUPPORTED');
      await queue.complete(message);
    });
    return;
  }
  const letterOf = async (queue: AnyQueue, messageId: string) => {
    assert.ok(
      read,
      'queue.dead-letter is declared: pass deadLetters to the suite, so that it can check ' +
        'that a message is set aside with its reason rather than deleted',
    );
    const letters = await read(queue);
    const letter = letters.find((candidate) => candidate.messageId === messageId);
    assert.ok(letter, `${messageId} is not among the ${letters.length} dead letters`);
    assert.ok(letter.reason.length > 0, 'the dead letter carries a reason');
    assert.ok(letter.deadLetteredAt instanceof Date, 'the dead letter carries its time');
    assert.deepEqual(letter.body, { n: 1 }, 'the dead letter keeps the body');

    return letter;
  };
  const settled = visibility * 1000 + 500 * scale;

  test('deadLetter sets the message aside for good with its reason', {}, async (queue) => {
    const { messageId } = await queue.send({ n: 1 });
    await queue.deadLetter(await one(queue, slackMs), 'row 7 has no id');
    await nothingArrives(queue, settled, 'not delivered again');
    const letter = await letterOf(queue, messageId);
    assert.ok(letter.reason.includes('row 7 has no id'), `the reason is kept: ${letter.reason}`);
  });

  test('a message retried on its last attempt is dead-lettered, not delivered again', {
    maxAttempts: 2,
  }, async (queue) => {
    const { messageId } = await queue.send({ n: 1 });
    for (const attempt of [1, 2]) {
      const message = await one(queue, slackMs);
      assert.equal(message.deliveryCount, attempt);
      await queue.retry(message);
    }
    await nothingArrives(queue, settled, 'no third delivery');
    await letterOf(queue, messageId);
  });

  if (support('queue.redelivery') === 'no') return;
  test('a message left unsettled past its last attempt is dead-lettered', {
    maxAttempts: 2,
  }, async (queue) => {
    const { messageId } = await queue.send({ n: 1 });
    assert.equal((await one(queue, slackMs)).deliveryCount, 1);
    const last = await one(queue, visibility * 1000 + slackMs);
    assert.equal(last.deliveryCount, 2);
    await nothingArrives(queue, settled + slackMs, 'no third delivery after the timeout');
    await letterOf(queue, messageId);
  });
}
