import type { Pipeline } from '@cloudport/core';
import type { DevSession, InvocationRecord, LocalRuntime } from '@cloudport/local';
import { integerOption, type OptionSpec, parseCommandArgs } from '../args.js';
import { type Command, type CommandContext, resolveRoot } from '../context.js';
import { EXIT, UsageError } from '../errors.js';
import { loadPipeline } from '../load-pipeline.js';
import { writeLine } from '../output.js';
import { openRuntime } from '../runtime.js';
import { listenForStop } from '../signals.js';
import { displayPath, formatInvocation } from '../summary.js';

const DEFAULT_PORT = 3000;
// The runtime's default quiet period, repeated here so that help never loads the runtime.
const DEFAULT_QUIET_MS = 1000;

const OPTIONS = {
  port: { type: 'string' },
  'quiet-ms': { type: 'string' },
  root: { type: 'string' },
} satisfies OptionSpec;

const HELP = `Usage: cloudport dev <pipeline-module> [options]

Runs a pipeline until stopped: files dropped into bucket folders fire object events, queues
are consumed, schedules fire and HTTP functions are served, each under /<function>/. Every
finished invocation prints one line: time, function, trigger, outcome, duration, detail.
Ctrl+C (SIGINT) or SIGTERM stops it after running handlers finish; a second Ctrl+C quits at once.

A file in a bucket folder (<root>/buckets/<bucket>/), there at the start or dropped later, is
imported as the object named by its path once its size and modification time have stayed the
same for the quiet period; the file is then removed. Write elsewhere and move files in, or
raise --quiet-ms for writers that pause.

Options:
  --port N       Port of the HTTP server (default: ${DEFAULT_PORT}; 0 picks a free one).
  --quiet-ms N   Milliseconds a dropped file must stay unchanged before it is imported
                 (default: ${DEFAULT_QUIET_MS}).
  --root DIR     Folder of the local buckets and queues (default: .cloudport).
  -h, --help     Show this help.

Handler logs go to stderr as JSON lines; set CLOUDPORT_LOG_LEVEL to debug, info (default),
warn, error or silent.`;

/** `cloudport dev`: serve, watch, consume and schedule until a signal. */
export const devCommand: Command = {
  name: 'dev',
  summary: 'Serve HTTP, watch buckets, consume queues and fire schedules until stopped',
  help: HELP,
  run: runDev,
};

async function runDev(argv: readonly string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs('dev', argv, OPTIONS, ['<pipeline-module>']);
  const port =
    typeof values.port === 'string' ? integerOption('--port', values.port, 0, 65_535) : undefined;
  const quiet = values['quiet-ms'];
  const dropQuietMs =
    typeof quiet === 'string' ? integerOption('--quiet-ms', quiet, 0, 3_600_000) : undefined;
  const { pipeline } = await loadPipeline(positionals[0]!, context.cwd);
  const root = resolveRoot(context, values.root);

  const { stdout, stderr } = context.io;
  const stop = listenForStop(context.io);
  let runtime: LocalRuntime | undefined;
  try {
    runtime = await openRuntime(context, {
      pipeline,
      root,
      writeLog: (line) => writeLine(stderr, line),
    });
    const width = Math.max(...[...pipeline.functions.keys()].map((name) => name.length));
    const session = await startSession(
      runtime,
      { port: port ?? DEFAULT_PORT, dropQuietMs },
      (record) => writeLine(stdout, formatInvocation(record, width)),
    );
    writeLine(stdout, banner(pipeline, session.url, displayPath(root, context.cwd)));

    await new Promise<void>((done) => {
      if (stop.signal.aborted) done();
      stop.signal.addEventListener('abort', () => done(), { once: true });
    });
    writeLine(stderr, 'cloudport: stopping; waiting for running handlers');
    await session.stop();
  } finally {
    stop.dispose();
    await runtime?.close();
  }

  return EXIT.ok;
}

async function startSession(
  runtime: LocalRuntime,
  options: { port: number; dropQuietMs: number | undefined },
  onInvocation: (record: InvocationRecord) => void,
): Promise<DevSession> {
  try {
    return await runtime.dev({ ...options, onInvocation });
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'EADDRINUSE') throw error;
    throw new UsageError(
      `port ${options.port} is in use; pass another with --port N, or --port 0 to pick a free one`,
      { cause: error },
    );
  }
}

function banner(pipeline: Pipeline, url: string, root: string): string {
  const base = url.replace(/\/+$/, '');
  const lines = [`cloudport dev: pipeline ${pipeline.name} serving ${base}`];
  for (const fn of pipeline.functions.values()) {
    if (fn.trigger.kind !== 'http') continue;
    const method = fn.trigger.method === '*' ? 'ANY' : fn.trigger.method;
    lines.push(`  ${fn.name}  ${method} ${base}/${fn.name}${fn.trigger.path}`);
  }
  lines.push(`buckets and queues live in ${root}; press Ctrl+C to stop`);

  return lines.join('\n');
}
