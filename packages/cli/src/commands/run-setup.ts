import { rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, relative } from 'node:path';
import type { Pipeline } from '@cloudport/core';
import { quote, UsageError } from '../errors.js';

/**
 * The bucket `--input` is copied into: the one `--bucket` names, else the single bucket with
 * an object-created trigger. Several such buckets, or none, need `--bucket`.
 */
export function pickInputBucket(
  pipeline: Pipeline,
  named: string | undefined,
  inputDir: string | undefined,
): string | undefined {
  const known = [...pipeline.resources().buckets.keys()].sort();
  if (named !== undefined) {
    if (inputDir === undefined) {
      throw new UsageError('--bucket names where --input is copied; pass --input DIR with it');
    }
    if (known.includes(named)) return named;
    const list = known.length > 0 ? `its buckets are ${known.join(', ')}` : 'it declares none';
    throw new UsageError(
      `--bucket ${quote(named)} is not a bucket of pipeline ${quote(pipeline.name)}; ${list}`,
    );
  }
  if (inputDir === undefined) return undefined;

  const triggered = new Set<string>();
  for (const fn of pipeline.functions.values()) {
    if (fn.trigger.kind === 'object' && fn.trigger.event === 'created') {
      triggered.add(fn.trigger.bucket.name);
    }
  }
  const [only, ...others] = [...triggered].sort();
  if (only !== undefined && others.length === 0) return only;
  if (only === undefined) {
    const choices = known.length > 0 ? ` (${known.join(', ')})` : '';
    throw new UsageError(
      `pipeline ${quote(pipeline.name)} has no object-created trigger to feed --input; ` +
        `name the bucket to copy into with --bucket NAME${choices}`,
    );
  }

  throw new UsageError(
    `--input is ambiguous: buckets ${[only, ...others].join(', ')} of pipeline ` +
      `${quote(pipeline.name)} have object-created triggers; choose one with --bucket NAME`,
  );
}

/**
 * Deletes the runtime's root folder for `--fresh`. A root that holds the working directory,
 * or is the home folder, is refused: that is a mistyped `--root`, not a runtime folder.
 */
export async function wipeRoot(root: string, cwd: string): Promise<void> {
  const fromRoot = relative(root, cwd);
  const holdsCwd = fromRoot === '' || !(fromRoot.startsWith('..') || isAbsolute(fromRoot));
  if (holdsCwd || root === homedir()) {
    throw new UsageError(
      `--fresh would delete ${root}, which holds the working directory or home folder; ` +
        'point --root at a folder used only by cloudport',
    );
  }

  await rm(root, { recursive: true, force: true });
}
