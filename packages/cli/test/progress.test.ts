import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createProgress } from '../src/progress.js';

const EVENTS = { label: 'processing', unit: 'events' };

function stream(isTTY: boolean) {
  const chunks: string[] = [];

  return {
    chunks,
    text: () => chunks.join(''),
    isTTY,
    columns: 100,
    write: (s: string) => chunks.push(s),
  };
}

describe('createProgress', () => {
  it('shows nothing when disabled, but still passes log lines through', async () => {
    const out = stream(true);
    const progress = createProgress({ stream: out, enabled: false, delayMs: 1 });

    progress.update(EVENTS, 2, 5);
    progress.log('{"message":"hello"}');
    await sleep(20);
    progress.stop();

    expect(out.text()).toBe('{"message":"hello"}\n');
  });

  it('shows nothing for a run that ends before the delay', async () => {
    const out = stream(false);
    const progress = createProgress({ stream: out, enabled: true, delayMs: 50 });

    progress.update(EVENTS, 5, 5);
    progress.stop();
    await sleep(80);

    expect(out.text()).toBe('');
  });

  it('writes plain status lines when the stream is not a terminal', async () => {
    const out = stream(false);
    const progress = createProgress({ stream: out, enabled: true, delayMs: 10, intervalMs: 20 });

    progress.update(EVENTS, 2, 5);
    await sleep(70);
    progress.log('a log line');
    progress.stop();
    const written = out.chunks.length;
    await sleep(50);

    expect(out.text()).toMatch(/^cloudport: processing 2\/5 events \(0 s\)\n/);
    expect(out.text()).toContain('a log line\n');
    expect(out.text()).not.toContain('\x1b[');
    expect(out.chunks.length).toBe(written);
  });

  it('draws a bar on a terminal, writes logs above it and clears it on stop', async () => {
    const out = stream(true);
    const progress = createProgress({ stream: out, enabled: true, delayMs: 10 });

    progress.update(EVENTS, 2, 5);
    await sleep(250);
    const drawn = out.text();
    progress.log('a log line');
    progress.stop();
    const final = out.text().slice(drawn.length);

    expect(drawn).toMatch(/processing \[[^\]]+\] 2\/5 events/);
    expect(final).toContain('a log line\n');
    // Clearing the screen below the cursor after the log removes the bar; the cursor returns.
    expect(final.lastIndexOf('\x1b[0J')).toBeGreaterThan(final.indexOf('a log line'));
    expect(final).toContain('\x1b[?25h');
  });
});
