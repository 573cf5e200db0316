import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { definePipeline, onSchedule, type ScheduleEvent, silentLogger } from '@cloudport/core';
import type { LocalQueue } from '@cloudport/local';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  MAX_SCHEDULE_WAIT_MS,
  type ScheduleClock,
  startSchedules,
} from '../src/runtime/dev-schedules.js';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'cloudport-schedules-'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const START = '2026-03-04T12:00:00.000Z';
const DUE = '2026-04-01T00:00:00.000Z';

/**
 * A clock that moves on by each wait, or by a share of it to model timers that wake early,
 * and aborts after far too many waits so that a broken loop ends the test.
 */
function fakeClock(start: string, stop: AbortController, share = 1) {
  let now = Date.parse(start);
  const waits: number[] = [];
  const clock: ScheduleClock = {
    now: () => now,
    sleep: async (ms) => {
      waits.push(ms);
      now += Math.max(1, Math.floor(ms * share));
      if (waits.length > 1_000_000) stop.abort();
    },
  };

  return { clock, waits };
}

/** A host with one monthly schedule whose queue records each firing and stops the loop. */
function monthlyHost(stop: AbortController, clock: ScheduleClock) {
  const fired: Array<{ event: ScheduleEvent; at: number }> = [];
  const pipeline = definePipeline('schedules', {
    monthly: { trigger: onSchedule('0 0 1 * *'), handler: () => {} },
  });
  const queue = {
    send: async (event: ScheduleEvent) => {
      fired.push({ event, at: clock.now() });
      stop.abort();
      return { messageId: `m-${fired.length}` };
    },
  } as unknown as LocalQueue<unknown>;

  return { host: { pipeline, root, logger: silentLogger, eventQueue: () => queue }, fired };
}

describe('dev: schedules', () => {
  it.each([
    ['timers that wake on time', 1],
    ['timers that wake early', 0.5],
  ])('fires a firing four weeks away when it is due, not before (%s)', async (_name, share) => {
    const stop = new AbortController();
    const { clock, waits } = fakeClock(START, stop, share);
    const { host, fired } = monthlyHost(stop, clock);

    await startSchedules(host, stop.signal, clock);

    expect(fired.map(({ event }) => [event.id, event.pastDue])).toEqual([
      [`monthly@${DUE}`, false],
    ]);
    expect(fired[0]?.at).toBeGreaterThanOrEqual(Date.parse(DUE));
    expect(Math.max(...waits)).toBeLessThanOrEqual(MAX_SCHEDULE_WAIT_MS);
    expect(Math.min(...waits)).toBeGreaterThan(0);
    const distance = Date.parse(DUE) - Date.parse(START);
    expect(waits.length).toBeGreaterThanOrEqual(Math.ceil(distance / MAX_SCHEDULE_WAIT_MS));
  });

  it('records the firing it queued as the last one', async () => {
    const stop = new AbortController();
    const { clock } = fakeClock('2026-03-31T23:59:00.000Z', stop);
    const { host } = monthlyHost(stop, clock);

    await startSchedules(host, stop.signal, clock);

    const state = JSON.parse(await readFile(join(root, 'schedules', 'monthly.json'), 'utf8'));
    expect(state).toEqual({ last: DUE });
  });
});
