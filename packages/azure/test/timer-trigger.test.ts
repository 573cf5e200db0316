import './helpers/functions-host.js';
import { readFileSync } from 'node:fs';
import { definePipeline, onSchedule, type ScheduleEvent, silentLogger } from '@cloudport/core';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { registerFunctions } from '../src/index.js';
import { decodeTimer } from '../src/triggers/timer.js';
import { invokeFunction, triggerOf } from './helpers/functions-host.js';
import { timerInvocation } from './helpers/host-data.js';

let seen: ScheduleEvent[] = [];
const pipeline = definePipeline('timers', {
  nightly: {
    trigger: onSchedule('0 2 * * *'),
    handler: (event) => {
      seen.push(event);
    },
  },
  often: { trigger: onSchedule('15 minutes'), handler: () => {} },
});

beforeEach(() => {
  seen = [];
});

registerFunctions(pipeline, { env: {} });

describe('the timer trigger', () => {
  it('registers the NCRONTAB form of the schedule', () => {
    expect(triggerOf('nightly')).toMatchObject({ type: 'timerTrigger', schedule: '0 0 2 * * *' });
    expect(triggerOf('often')).toMatchObject({ schedule: '0 */15 * * * *' });
  });

  it('warns of a schedule without an exact NCRONTAB form, by default on standard error', () => {
    const uneven = definePipeline('uneven', {
      'every-seven': { trigger: onSchedule('7 minutes'), handler: () => {} },
    });
    const lines: string[] = [];
    const write = vi.spyOn(process.stderr, 'write').mockImplementation((line) => {
      lines.push(String(line));
      return true;
    });
    try {
      registerFunctions(uneven, { env: {} });
      registerFunctions(uneven, { env: {}, logger: false });
    } finally {
      write.mockRestore();
    }
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      level: 'warn',
      message: expect.stringMatching(/no exact NCRONTAB form/),
      adapter: 'azure',
      function: 'every-seven',
      ncrontab: '0 */7 * * * *',
    });
    const warnings: unknown[] = [];
    const logger = { ...silentLogger, warn: (...args: unknown[]) => warnings.push(args) };
    registerFunctions(uneven, { env: {}, logger });
    expect(warnings).toHaveLength(1);
  });

  it('reports the occurrence being run, and that it is past due', async () => {
    const timer = readFileSync(new URL('./fixtures/timer.json', import.meta.url), 'utf8');
    const result = await invokeFunction('nightly', { data: { json: timer } });
    expect(result.ok).toBe(true);
    expect(seen[0]).toMatchObject({
      type: 'schedule',
      id: 'nightly@2026-03-04T02:00:00.000Z',
      schedule: '0 2 * * *',
      time: '2026-03-04T02:00:00.000Z',
      pastDue: true,
    });
  });

  it('keeps the id of a retried occurrence', async () => {
    await invokeFunction('nightly', timerInvocation('2026-03-05T02:00:00.000Z'));
    await invokeFunction('nightly', timerInvocation('2026-03-05T02:00:00.000Z'));
    expect(seen.map((e) => e.id)).toEqual([
      'nightly@2026-03-05T02:00:00.000Z',
      'nightly@2026-03-05T02:00:00.000Z',
    ]);
    expect(seen[0]?.pastDue).toBe(false);
  });

  it('falls back to the current minute without a schedule status or on a startup run', () => {
    const fn = pipeline.functions.get('nightly') as Parameters<typeof decodeTimer>[0];
    const now = Date.parse('2026-03-05T10:07:31.250Z');
    const startup = { isPastDue: false, scheduleStatus: { next: '2026-03-06T02:00:00Z' } };
    for (const timer of [{ isPastDue: false }, startup]) {
      const unit = decodeTimer(fn, timer, 'inv-1', now);
      expect('event' in unit && unit.event.time).toBe('2026-03-05T10:07:00.000Z');
    }
  });

  it('fails a timer input without a timer object as INVALID_EVENT', async () => {
    const result = await invokeFunction('nightly', { data: { json: '"tick"' } });
    expect(result.ok).toBe(false);
    expect(result.ok ? undefined : result.error).toMatchObject({ code: 'INVALID_EVENT' });
    expect(seen).toEqual([]);
  });
});
