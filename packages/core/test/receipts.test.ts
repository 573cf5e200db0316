import { describe, expect, it } from 'vitest';
import { LatestReceipts } from '../src/receipts.js';

const at = { queue: 'rows', action: 'complete', provider: 'aws' };

describe('latest receipts', () => {
  it('accepts the latest receipt and messages it has not seen', () => {
    const receipts = new LatestReceipts();
    receipts.record('m1', 'r1');
    receipts.record('m1', 'r2');

    expect(() => receipts.check({ messageId: 'm1', receipt: 'r2' }, at)).not.toThrow();
    expect(() => receipts.check({ messageId: 'm2', receipt: 'r9' }, at)).not.toThrow();
  });

  it('refuses the receipt of an earlier delivery with PRECONDITION_FAILED', () => {
    const receipts = new LatestReceipts();
    receipts.record('m1', 'r1');
    receipts.record('m1', 'r2');

    const refused = (() => {
      try {
        receipts.check({ messageId: 'm1', receipt: 'r1' }, at);
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toMatchObject({ code: 'PRECONDITION_FAILED', provider: 'aws' });
    expect((refused as Error).message).toContain('complete message m1 on queue rows');
  });

  it('forgets the least recently received message past its capacity', () => {
    const receipts = new LatestReceipts(2);
    receipts.record('m1', 'r1');
    receipts.record('m2', 'r1');
    receipts.record('m1', 'r2');
    receipts.record('m3', 'r1');

    expect(() => receipts.check({ messageId: 'm1', receipt: 'r1' }, at)).toThrow();
    expect(() => receipts.check({ messageId: 'm2', receipt: 'r0' }, at)).not.toThrow();
  });
});
