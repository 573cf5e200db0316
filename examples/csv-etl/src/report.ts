import type { Logger } from '@cloudport/core';
import { mergeIntoOverall, toFileReport, toGroupAggregate } from './derive.js';
import { fileIdOfKey, groupCount, groupOf, groupSize, indexOfKey, KEYS } from './keys.js';
import type {
  FileRef,
  FileReport,
  GroupAggregate,
  Manifest,
  OverallReport,
  PartialAggregate,
} from './model.js';
import { reports } from './resources.js';
import { exists, listKeys, putJsonIf, putJsonOnce, readJson, readVersioned } from './storage.js';

/** Pieces read at once while deriving a group or a file report. */
const READ_AHEAD = 16;
/** Tries at the overall report before the event is handed back for a retry. */
const OVERALL_ATTEMPTS = 12;

/**
 * Takes a file as far towards its report as the stored pieces allow, then brings the overall
 * report up to date. Safe to call any number of times, from any handler, at once: each level
 * is derived only from stored objects and written create-only.
 *
 * A consumer passes the batch it just counted, and only that batch's group is checked; the
 * parser and the sweep pass none, and every group is checked. Returns false while the file is
 * incomplete.
 */
export async function finishFile(file: FileRef, logger: Logger, batch?: number): Promise<boolean> {
  let manifest = await readJson<Manifest>(reports, KEYS.manifest(file.id));
  if (manifest?.status !== 'rejected') {
    const total = manifest ? groupCount(manifest.batches) : 0;
    const groups = batch === undefined ? [...Array(total).keys()] : [groupOf(batch)];
    let closed = false;
    for (const group of groups) {
      if (await finishGroup(file, group, manifest?.batches)) closed = true;
    }
    // Whoever closes a group checks the file after that write, with a fresh manifest: the
    // parser may have written it, checked and gone while this group was being closed.
    if (closed && !manifest) manifest = await readJson<Manifest>(reports, KEYS.manifest(file.id));
  }
  if (!manifest) return false;

  if (!(await exists(reports, KEYS.fileReport(file.id)))) {
    const report = await deriveFileReport(manifest);
    if (!report) return false;
    if (await putJsonOnce(reports, KEYS.fileReport(file.id), report)) {
      logger.info('file report written', {
        fileId: file.id,
        status: report.status,
        valid: report.rows.valid,
        invalid: report.rows.invalid,
      });
    }
  }
  await updateOverall(logger);

  return true;
}

/**
 * Adds every file report not yet in the overall report to it, with a write conditional on the
 * version read; when another writer wins, it reads again and retries.
 *
 * Every write replaces exactly the version it read and only adds to it, so the overall report
 * only grows and a file once in it stays in it, listed once by id. This returns only when every
 * file report it listed is in the stored version, and every finisher calls it after its file
 * report exists: so each file report ends up in the overall report, exactly once.
 */
export async function updateOverall(logger: Logger): Promise<void> {
  for (let attempt = 1; attempt <= OVERALL_ATTEMPTS; attempt++) {
    const current = await readVersioned<OverallReport>(reports, KEYS.overall);
    const included = new Set(current?.value.sources.map((entry) => entry.id));
    const missing: FileReport[] = [];
    for await (const key of listKeys(reports, KEYS.fileReports)) {
      if (!key.endsWith('.json') || included.has(fileIdOfKey(key))) continue;
      const report = await readJson<FileReport>(reports, key);
      if (report) missing.push(report);
    }
    if (missing.length === 0) return;

    const next = mergeIntoOverall(current?.value, missing);
    const precondition = current ? { ifMatch: current.etag } : { createOnly: true };
    if (await putJsonIf(reports, KEYS.overall, next, precondition)) {
      logger.info('overall report updated', { files: next.sources.length, added: missing.length });
      return;
    }
    await pause(attempt);
  }

  throw new Error(
    `${KEYS.overall} changed under every one of ${OVERALL_ATTEMPTS} attempts to update it; ` +
      'the event will be retried.',
  );
}

// Writes a group's aggregate once all its partials are there; false while some are missing.
// Without the manifest the batch count is unknown, so only a full group can be finished.
async function finishGroup(file: FileRef, group: number, batches?: number): Promise<boolean> {
  if (await exists(reports, KEYS.group(file.id, group))) return true;
  const size = groupSize(group, batches);
  const keys = await listIndexed(KEYS.partials(file.id, group));
  if (keys.length < size) return false;

  const partials = await readEach<PartialAggregate>(keys);
  await putJsonOnce(
    reports,
    KEYS.group(file.id, group),
    toGroupAggregate(file, group, size, partials),
  );

  return true;
}

async function deriveFileReport(manifest: Manifest): Promise<FileReport | undefined> {
  if (manifest.status === 'rejected') return toFileReport(manifest, []);
  const keys = await listIndexed(KEYS.groups(manifest.file.id));
  if (keys.length < groupCount(manifest.batches)) return undefined;

  return toFileReport(manifest, await readEach<GroupAggregate>(keys));
}

async function listIndexed(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of listKeys(reports, prefix)) {
    if (indexOfKey(key) !== undefined) keys.push(key);
  }

  return keys;
}

// Pieces are never deleted, so one that was listed but cannot be read was removed by hand.
async function readEach<T>(keys: string[]): Promise<T[]> {
  const values: T[] = [];
  for (let start = 0; start < keys.length; start += READ_AHEAD) {
    const chunk = keys.slice(start, start + READ_AHEAD);
    const read = await Promise.all(chunk.map((key) => readJson<T>(reports, key)));
    for (const [at, value] of read.entries()) {
      if (value === undefined) throw new Error(`${chunk[at]} was listed but could not be read.`);
      values.push(value);
    }
  }

  return values;
}

function pause(attempt: number): Promise<void> {
  const ms = Math.min(1000, 20 * 2 ** attempt) * (0.5 + Math.random() / 2);

  return new Promise((resolve) => setTimeout(resolve, ms));
}
