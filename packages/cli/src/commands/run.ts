import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { LimitProfile } from '@cloudport/core';
import type { LocalRuntime } from '@cloudport/local';
import { choiceOption, type OptionSpec, parseCommandArgs } from '../args.js';
import { type Command, type CommandContext, resolveRoot } from '../context.js';
import { EXIT, quote, UsageError } from '../errors.js';
import { copyInput, listInputFiles } from '../input.js';
import { loadPipeline } from '../load-pipeline.js';
import { writeLine } from '../output.js';
import { createProgress, type ProgressReporter } from '../progress.js';
import { openRuntime } from '../runtime.js';
import { listenForStop } from '../signals.js';
import { formatRunReport, type InputReport, type RunReport } from '../summary.js';
import { pickInputBucket, wipeRoot } from './run-setup.js';

const PROFILES: readonly LimitProfile[] = ['aws', 'gcp', 'azure'];
const COPYING = { label: 'copying input', unit: 'files' };
const DRAINING = { label: 'processing', unit: 'events' };

const OPTIONS = {
  input: { type: 'string' },
  bucket: { type: 'string' },
  fresh: { type: 'boolean' },
  json: { type: 'boolean' },
  root: { type: 'string' },
  'fail-on-dead-letters': { type: 'boolean' },
  profile: { type: 'string' },
} satisfies OptionSpec;

const HELP = `Usage: cloudport run <pipeline-module> [options]

Runs a pipeline on this machine: copies the input folder into the bucket of the pipeline's
object-created trigger, then processes object events and queue messages until every queue is
empty, and prints a summary. Schedules do not fire in run; use "cloudport dev" for them.

Options:
  --input DIR              Copy the files under DIR (recursively) into the trigger's bucket.
                           Names starting with "." are left out. A file already in the bucket
                           with the same size and SHA-256 from an earlier run is not copied
                           again, so it fires no second event.
  --bucket NAME            The bucket to copy into, when the pipeline has several buckets with
                           object-created triggers, or none.
  --fresh                  Delete the root folder first, and with it buckets, queues and dead
                           letters. Without it, a run resumes what an interrupted run left.
  --root DIR               Folder of the local buckets and queues (default: .cloudport).
  --profile aws|gcp|azure  Enforce one provider's message and object limits.
  --json                   Print the summary as one JSON document on stdout; no progress.
  --fail-on-dead-letters   Exit with 1 when the root holds dead letters (default: exit 0).
                           The summary lists every dead letter in the root, earlier runs'
                           included, until "cloudport dlq --replay" or --fresh.
  -h, --help               Show this help.

Progress shows on stderr once a run has taken about a second: a bar on a terminal, a status
line every 5 seconds otherwise. Handler logs go to stderr as JSON lines; set
CLOUDPORT_LOG_LEVEL to debug, info, warn, error (default) or silent.

Exit codes: 0 done (dead letters are reported), 1 dead letters with --fail-on-dead-letters,
2 usage or runtime error, 130 interrupted (run again to resume).`;

/** `cloudport run`: copy input, drain, summarise. */
export const runCommand: Command = {
  name: 'run',
  summary: 'Run a pipeline over an input folder until its queues are empty',
  help: HELP,
  run: runPipeline,
};

async function runPipeline(argv: readonly string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs('run', argv, OPTIONS, ['<pipeline-module>']);
  const profile =
    typeof values.profile === 'string'
      ? choiceOption('--profile', values.profile, PROFILES)
      : undefined;
  const { pipeline } = await loadPipeline(positionals[0]!, context.cwd);
  const inputDir = await inputDirectory(context, values.input);
  const bucket = pickInputBucket(pipeline, values.bucket as string | undefined, inputDir);
  const root = resolveRoot(context, values.root);
  if (values.fresh) await wipeRoot(root, context.cwd);

  const started = Date.now();
  const json = values.json === true;
  const stop = listenForStop(context.io);
  const progress = createProgress({ stream: context.io.stderr, enabled: !json });
  let runtime: LocalRuntime | undefined;
  try {
    // The summary reports retries and dead letters, so only errors are logged by default.
    runtime = await openRuntime(context, {
      pipeline,
      root,
      profile,
      writeLog: progress.log,
      defaultLogLevel: 'error',
    });
    const input =
      inputDir && bucket
        ? await copyDirectory(runtime, inputDir, bucket, progress, stop.signal)
        : null;
    const summary = await runtime.drain({
      signal: stop.signal,
      onProgress: (p) => progress.update(DRAINING, p.done, p.done + p.pending),
    });
    if (stop.signal.aborted) return interrupted(context, progress);
    progress.stop();

    const report: RunReport = {
      ...summary,
      input,
      elapsedMs: Date.now() - started,
      drainElapsedMs: summary.elapsedMs,
    };
    const text = json ? JSON.stringify(report, null, 2) : formatRunReport(report, context.cwd);
    writeLine(context.io.stdout, text);
    const failed = values['fail-on-dead-letters'] === true && report.deadLetters.length > 0;

    return failed ? EXIT.failedEvents : EXIT.ok;
  } catch (error) {
    if (stop.signal.aborted) return interrupted(context, progress);
    throw error;
  } finally {
    progress.stop();
    stop.dispose();
    await runtime?.close();
  }
}

async function inputDirectory(
  context: CommandContext,
  input: string | boolean | undefined,
): Promise<string | undefined> {
  if (typeof input !== 'string') return undefined;
  const directory = resolve(context.cwd, input);
  const info = await stat(directory).catch(() => undefined);
  if (info?.isDirectory()) return directory;

  throw new UsageError(
    `--input ${quote(input)} is not a directory (looked for ${directory}); ` +
      'pass the folder whose files should be copied into the bucket',
  );
}

async function copyDirectory(
  runtime: LocalRuntime,
  directory: string,
  bucket: string,
  progress: ProgressReporter,
  signal: AbortSignal,
): Promise<InputReport> {
  const files = await listInputFiles(directory);
  progress.update(COPYING, 0, files.length);
  const result = await copyInput(runtime.store(bucket), files, {
    signal,
    onFile: (done) => progress.update(COPYING, done, files.length),
  });

  return { directory, bucket, files: files.length, ...result };
}

function interrupted(context: CommandContext, progress: ProgressReporter): number {
  progress.stop();
  writeLine(
    context.io.stderr,
    'cloudport: interrupted; queued work is kept in the root folder, ' +
      'run the same command again (without --fresh) to resume',
  );

  return EXIT.interrupted;
}
