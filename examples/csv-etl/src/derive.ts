import { groupCount } from './keys.js';
import type {
  FileRef,
  FileReport,
  GroupAggregate,
  Manifest,
  OverallEntry,
  OverallReport,
  PartialAggregate,
} from './model.js';
import { GROUP_BATCHES } from './sizes.js';
import {
  type Aggregate,
  emptyAggregate,
  exactSum,
  formatCents,
  mergeAggregates,
} from './totals.js';

/** Stored pieces of a file that do not add up; nothing is derived from them. */
export class InconsistentPiecesError extends Error {
  readonly fileId: string;

  constructor(fileId: string, detail: string) {
    super(`The stored pieces of file ${fileId} do not add up: ${detail}.`);
    this.name = 'InconsistentPiecesError';
    this.fileId = fileId;
  }
}

/**
 * Derives a group's aggregate from its partials. They may come in any order; the result is the
 * same byte for byte, and only the complete set (batches `group * GROUP_BATCHES` onward, `size`
 * of them, each once) gives one.
 */
export function toGroupAggregate(
  file: FileRef,
  group: number,
  size: number,
  partials: Iterable<PartialAggregate>,
): GroupAggregate {
  const first = group * GROUP_BATCHES;
  const pieces = [...partials].map((partial) => ({ ...partial, index: partial.batch }));
  const merged = mergeChecked(file.id, 'batch', pieces, first, size);

  return { file, group, batches: size, ...merged };
}

/**
 * Derives a file's report from its manifest and its groups, in any order. Only a complete and
 * consistent set gives one: every group once, as many batches as the manifest names, and
 * exactly its number of valid rows.
 */
export function toFileReport(manifest: Manifest, groups: Iterable<GroupAggregate>): FileReport {
  if (manifest.status === 'rejected') return rejectedReport(manifest);
  const { id } = manifest.file;
  const pieces = [...groups].map((group) => ({ ...group, index: group.group }));
  const merged = mergeChecked(id, 'group', pieces, 0, groupCount(manifest.batches));
  const batches = pieces.reduce((sum, group) => sum + group.batches, 0);
  if (batches !== manifest.batches) {
    throw new InconsistentPiecesError(
      id,
      `its groups hold ${batches} batches, not ${manifest.batches}`,
    );
  }
  if (merged.totals.orders !== manifest.rows.valid) {
    throw new InconsistentPiecesError(
      id,
      `they hold ${merged.totals.orders} rows, the manifest ${manifest.rows.valid}`,
    );
  }

  return {
    file: manifest.file,
    status: 'counted',
    rows: manifest.rows,
    batches: manifest.batches,
    revenue: formatCents(merged.totals.revenueCents),
    ...merged,
    invalid: manifest.invalid,
  };
}

/**
 * Adds file reports to the overall report. A file already listed in `sources` is skipped, so
 * each file counts once however often it is offered; the result does not depend on the order
 * in which files arrive.
 */
export function mergeIntoOverall(
  current: OverallReport | undefined,
  reports: Iterable<FileReport>,
): OverallReport {
  const base = current ?? emptyOverall();
  const sources = new Map(base.sources.map((entry) => [entry.id, entry]));
  const parts: Aggregate[] = [aggregateOf(base)];
  const files = { ...base.files };
  const rows = { ...base.rows };
  for (const report of reports) {
    if (sources.has(report.file.id)) continue;
    sources.set(report.file.id, toEntry(report));
    files[report.status] += 1;
    if (report.status === 'rejected') continue;
    parts.push(aggregateOf(report));
    rows.valid = exactSum(rows.valid, report.rows.valid);
    rows.invalid = exactSum(rows.invalid, report.rows.invalid);
  }
  const merged = mergeAggregates(parts);
  const ids = [...sources.keys()].sort();

  return {
    files,
    rows,
    revenue: formatCents(merged.totals.revenueCents),
    ...merged,
    sources: ids.map((id) => sources.get(id) as OverallEntry),
  };
}

/** The overall report before any file is counted. */
export function emptyOverall(): OverallReport {
  return {
    files: { counted: 0, rejected: 0 },
    rows: { valid: 0, invalid: 0 },
    revenue: formatCents(0),
    ...emptyAggregate(),
    sources: [],
  };
}

/** Serialises a report the same way every time: two-space JSON with a final newline. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

interface Piece extends Aggregate {
  file: FileRef;
  index: number;
}

// Merges pieces numbered `first` to `first + count - 1`, each exactly once, of one file.
function mergeChecked(
  fileId: string,
  kind: 'batch' | 'group',
  pieces: Piece[],
  first: number,
  count: number,
): Aggregate {
  const seen = new Set<number>();
  for (const { file, index } of pieces) {
    if (file.id !== fileId) {
      throw new InconsistentPiecesError(fileId, `a ${kind} belongs to ${file.id}`);
    }
    if (!Number.isInteger(index) || index < first || index >= first + count) {
      throw new InconsistentPiecesError(
        fileId,
        `${kind} ${index} is outside ${first}..${first + count - 1}`,
      );
    }
    if (seen.has(index)) throw new InconsistentPiecesError(fileId, `${kind} ${index} came twice`);
    seen.add(index);
  }
  if (seen.size !== count) {
    const noun = kind === 'batch' ? 'batches' : 'groups';
    throw new InconsistentPiecesError(fileId, `${seen.size} of ${count} ${noun} are there`);
  }

  return aggregateOf(mergeAggregates(pieces.map(aggregateOf)));
}

function rejectedReport(manifest: Manifest): FileReport {
  return {
    file: manifest.file,
    status: 'rejected',
    reason: manifest.reason ?? 'rejected',
    rows: { valid: 0, invalid: 0 },
    batches: 0,
    revenue: formatCents(0),
    ...emptyAggregate(),
    invalid: [],
  };
}

function aggregateOf(source: Aggregate): Aggregate {
  const { totals, dates, byRegion, bySku } = source;

  return { totals, dates, byRegion, bySku };
}

function toEntry(report: FileReport): OverallEntry {
  return {
    id: report.file.id,
    key: report.file.key,
    status: report.status,
    rows: report.rows,
    revenueCents: report.totals.revenueCents,
  };
}
