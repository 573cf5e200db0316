import type { HandlerContext, ScheduleEvent } from '@cloudport/core';
import { fileIdOfKey, KEYS } from './keys.js';
import type { Manifest } from './model.js';
import { finishFile, updateOverall } from './report.js';
import { reports } from './resources.js';
import { exists, listKeys, readJson } from './storage.js';

/**
 * The re-check: finishes every parsed file that has no report yet and brings the overall
 * report up to date. Handlers already do this as they go; the sweep covers an event whose
 * retries ran out after its last partial was written, so no file waits forever.
 */
export async function sweepReports(_event: ScheduleEvent, context: HandlerContext): Promise<void> {
  let finished = 0;
  for await (const key of listKeys(reports, KEYS.manifests)) {
    if (await exists(reports, KEYS.fileReport(fileIdOfKey(key)))) continue;
    const manifest = await readJson<Manifest>(reports, key);
    if (manifest && (await finishFile(manifest.file, context.logger))) finished++;
  }
  await updateOverall(context.logger);
  context.logger.info('sweep done', { finished });
}
