import { describe, expect, it } from 'vitest';
import {
  displayPath,
  formatDeadLetters,
  formatDuration,
  formatInvocation,
  formatOutcome,
  formatRunReport,
  type RunReport,
} from '../src/summary.js';

const report: RunReport = {
  pipeline: 'csv-etl',
  root: '/work/app/.cloudport',
  elapsedMs: 1420,
  drainElapsedMs: 1300,
  input: { directory: '/work/app/data', bucket: 'uploads', files: 3, copied: 2, skipped: 1 },
  functions: {
    parse: { events: 3, processed: 2, retried: 1, deadLettered: 1 },
    aggregate: { events: 12, processed: 12, retried: 0, deadLettered: 0 },
  },
  deadLetters: [
    { function: 'parse', queue: 'parse events', eventId: 'evt-9', reason: 'row 3\nhas no id' },
  ],
  outputs: [{ bucket: 'reports', path: '/work/app/.cloudport/buckets/reports', objects: 1 }],
};

describe('formatRunReport', () => {
  it('shows input, counts per function, dead letters with reasons, outputs and time', () => {
    const text = formatRunReport(report, '/work/app');

    expect(text.split('\n')).toEqual([
      'pipeline csv-etl (root .cloudport)',
      'input 3 files from data to bucket uploads: 2 copied, 1 unchanged and skipped',
      '',
      'function   events  processed  retried  dead-lettered',
      'aggregate      12         12        0              0',
      'parse           3          2        1              1',
      '',
      'dead letters: 1',
      '  function  queue         event id  reason',
      '  parse     parse events  evt-9     row 3 has no id',
      '',
      'outputs',
      '  reports  .cloudport/buckets/reports  (1 object)',
      '',
      'done in 1.4 s',
    ]);
  });

  it('says so when no function saw an event', () => {
    const quiet = { ...report, input: null, functions: {}, deadLetters: [], outputs: [] };

    expect(formatRunReport(quiet, '/elsewhere')).toBe(
      'pipeline csv-etl (root /work/app/.cloudport)\n\nno events were processed\n' +
        'nothing was queued; pass --input DIR to copy files in\n\ndone in 1.4 s',
    );
  });
});

describe('small formatters', () => {
  it.each([
    [12.4, '12 ms'],
    [999, '999 ms'],
    [1000, '1.0 s'],
    [59_940, '59.9 s'],
    [125_000, '2 min 5 s'],
  ])('formatDuration(%d) is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it.each([
    ['/work/app/.cloudport', '/work/app', '.cloudport'],
    ['/work/app', '/work/app', '.'],
    ['/tmp/root', '/work/app', '/tmp/root'],
  ])('displayPath(%s) from %s is %s', (path, cwd, text) => {
    expect(displayPath(path, cwd)).toBe(text);
  });

  it('lists dead letters with queue, function, event id, time and reason', () => {
    const text = formatDeadLetters([
      {
        queue: 'rejects',
        messageId: 'm1',
        function: 'parse',
        eventId: 'evt-1',
        reason: 'bad row',
        deadLetteredAt: '2026-01-31T12:00:00.000Z',
      },
      { queue: 'rows', messageId: 'm2', reason: 'too many attempts', deadLetteredAt: 'later' },
    ]);

    expect(text.split('\n')).toEqual([
      'dead letters: 2',
      'queue    function  event id  dead-lettered at          reason',
      'rejects  parse     evt-1     2026-01-31T12:00:00.000Z  bad row',
      'rows     -         m2        later                     too many attempts',
    ]);
    expect(formatDeadLetters([])).toBe('no dead letters');
  });

  it('prints an invocation as one line: time, function, trigger, outcome, duration, detail', () => {
    const line = formatInvocation(
      {
        function: 'api',
        trigger: 'http',
        eventId: 'e',
        outcome: 'processed',
        durationMs: 3,
        status: 200,
      },
      6,
    );

    const [time, ...cells] = line.split(/ {2,}/);
    expect(time).toMatch(/^\d\d:\d\d:\d\d\.\d{3}$/);
    expect(cells).toEqual(['api', 'http', 'processed', '3 ms', 'HTTP 200']);
    expect(line.indexOf('http')).toBe(line.indexOf('api') + 8);
  });

  it.each([
    [{ kind: 'processed' } as const, /^processed: copy finished in 5 ms$/],
    [
      { kind: 'retry', error: new Error('disk\nfull') } as const,
      /^retry: copy failed after 5 ms: disk full$/,
    ],
    [
      { kind: 'dead-letter', reason: 'bad', forwarded: true } as const,
      /^dead-letter: bad \(forwarded to its dead-letter queue\)$/,
    ],
  ])('formatOutcome %#', (outcome, text) => {
    expect(formatOutcome('copy', outcome, 5)).toMatch(text);
  });
});
