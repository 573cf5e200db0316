import { isAbsolute, relative } from 'node:path';
import type { Outcome } from '@cloudport/core';
import type { DeadLetterEntry, InvocationRecord, RunSummary } from '@cloudport/local';

/** What `cloudport run` reports: the runtime's summary plus the input copy and total time. */
export interface RunReport extends RunSummary {
  /** The input directory's copy, or null when `--input` was not given. */
  input: InputReport | null;
  /** Milliseconds the whole command took, copying included. */
  elapsedMs: number;
  /** Milliseconds the drain took, as the runtime measured it. */
  drainElapsedMs: number;
}

/** The input copy of a run. */
export interface InputReport {
  directory: string;
  bucket: string;
  files: number;
  copied: number;
  skipped: number;
}

/** Formats the human summary of a run, one string of lines. */
export function formatRunReport(report: RunReport, cwd: string): string {
  const lines = [`pipeline ${report.pipeline} (root ${displayPath(report.root, cwd)})`];
  if (report.input) lines.push(formatInput(report.input, cwd));

  lines.push('', ...formatFunctions(report));
  const idle = Object.values(report.functions).every((fn) => fn.events === 0);
  if (idle && !report.input) lines.push('nothing was queued; pass --input DIR to copy files in');
  if (report.deadLetters.length > 0) {
    lines.push('', `dead letters: ${report.deadLetters.length}`);
    const rows = report.deadLetters.map((d) => [d.function, d.queue, d.eventId, d.reason]);
    lines.push(...table(['function', 'queue', 'event id', 'reason'], rows, '  '));
  }
  if (report.outputs.length > 0) {
    lines.push('', 'outputs');
    for (const output of report.outputs) {
      const objects = `${output.objects} ${plural(output.objects, 'object')}`;
      lines.push(`  ${output.bucket}  ${displayPath(output.path, cwd)}  (${objects})`);
    }
  }
  lines.push('', `done in ${formatDuration(report.elapsedMs)}`);

  return lines.join('\n');
}

/** Formats dead letters as `cloudport dlq` lists them. */
export function formatDeadLetters(entries: readonly DeadLetterEntry[]): string {
  if (entries.length === 0) return 'no dead letters';
  const rows = entries.map((entry) => [
    entry.queue,
    entry.function ?? '-',
    entry.eventId ?? entry.messageId,
    entry.deadLetteredAt,
    entry.reason,
  ]);
  const header = ['queue', 'function', 'event id', 'dead-lettered at', 'reason'];

  return [`dead letters: ${entries.length}`, ...table(header, rows)].join('\n');
}

/** Formats one finished invocation of `cloudport dev` as one line. */
export function formatInvocation(record: InvocationRecord, functionWidth: number): string {
  const detail = [record.status === undefined ? '' : `HTTP ${record.status}`, record.detail ?? '']
    .filter(Boolean)
    .join(' ');
  const cells = [
    clockTime(new Date()),
    record.function.padEnd(functionWidth),
    record.trigger.padEnd(8),
    record.outcome.padEnd(11),
    formatDuration(record.durationMs).padStart(8),
    oneLine(detail),
  ];

  return cells.join('  ').trimEnd();
}

/** Formats the outcome of `cloudport invoke`. */
export function formatOutcome(fn: string, outcome: Outcome, elapsedMs: number): string {
  const took = formatDuration(elapsedMs);
  if (outcome.kind === 'processed') return `processed: ${fn} finished in ${took}`;
  if (outcome.kind === 'retry') {
    return `retry: ${fn} failed after ${took}: ${oneLine(errorMessage(outcome.error))}`;
  }
  const where = outcome.forwarded
    ? 'forwarded to its dead-letter queue'
    : 'not forwarded: the function binds no dead-letter queue';

  return `dead-letter: ${oneLine(outcome.reason)} (${where})`;
}

/** Milliseconds as `850 ms`, `1.4 s` or `2 min 5 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);

  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** A path relative to the working directory when it lies inside it, else absolute. */
export function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  if (rel === '') return '.';

  return rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

/** Collapses a possibly multi-line message onto one line. */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

function formatInput(input: InputReport, cwd: string): string {
  const files = `${input.files} ${plural(input.files, 'file')}`;
  const skipped = input.skipped > 0 ? `, ${input.skipped} unchanged and skipped` : '';

  return (
    `input ${files} from ${displayPath(input.directory, cwd)} to bucket ${input.bucket}: ` +
    `${input.copied} copied${skipped}`
  );
}

function formatFunctions(report: RunSummary): string[] {
  const names = Object.keys(report.functions).sort();
  if (names.length === 0) return ['no events were processed'];
  const rows = names.map((name) => {
    const fn = report.functions[name]!;
    return [name, fn.events, fn.processed, fn.retried, fn.deadLettered].map(String);
  });

  return table(['function', 'events', 'processed', 'retried', 'dead-lettered'], rows);
}

/** Lays rows out in columns: numbers right-aligned, text left-aligned, the last cell free. */
function table(header: string[], rows: string[][], indent = ''): string[] {
  const cells = rows.map((row) => row.map(oneLine));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const numeric = header.map((_, i) => cells.length > 0 && cells.every((r) => /^\d+$/.test(r[i]!)));
  const render = (row: string[]) => {
    const padded = row.map((cell, i) => {
      if (numeric[i]) return cell.padStart(widths[i]!);
      return i === row.length - 1 ? cell : cell.padEnd(widths[i]!);
    });
    return `${indent}${padded.join('  ')}`.trimEnd();
  };

  return [render(header), ...cells.map(render)];
}

function clockTime(date: Date): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');

  return (
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.` +
    pad(date.getMilliseconds(), 3)
  );
}

function plural(count: number, word: string): string {
  return count === 1 ? word : `${word}s`;
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;

  return String(error);
}
