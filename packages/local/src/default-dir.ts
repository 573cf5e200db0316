import { join } from 'node:path';
import { InvalidConfigError } from '@cloudport/core';

/** The folder under the working directory that the local runtime, stores and queues share. */
export const DEFAULT_ROOT = '.cloudport';

// One path segment that means the same on every filesystem: no separators, no `.` or `..`.
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/**
 * The folder a store or queue uses when none is given: `.cloudport/<kind>/<name>` under the
 * working directory, the same place the local runtime keeps it.
 */
export function defaultDir(kind: 'buckets' | 'queues', name: unknown): string {
  if (typeof name !== 'string' || !SEGMENT.test(name)) {
    throw new InvalidConfigError(
      `Without a dir, the ${kind === 'buckets' ? 'store' : 'queue'}'s folder is named after ` +
        `it, and ${JSON.stringify(name)} cannot be a folder name; give dir as an absolute path.`,
    );
  }

  return join(process.cwd(), DEFAULT_ROOT, kind, name);
}
