import type { Pipeline, PipelineFunction } from '@cloudport/core';
import type { LocalRuntime } from '@cloudport/local';
import { type OptionSpec, parseCommandArgs } from '../args.js';
import { type Command, type CommandContext, resolveRoot } from '../context.js';
import { EXIT, quote, UsageError } from '../errors.js';
import { readEventFile } from '../event-file.js';
import { loadPipeline } from '../load-pipeline.js';
import { writeLine } from '../output.js';
import { openRuntime } from '../runtime.js';
import { formatOutcome } from '../summary.js';

const OPTIONS = {
  event: { type: 'string' },
  root: { type: 'string' },
} satisfies OptionSpec;

const HELP = `Usage: cloudport invoke <pipeline-module> <function> --event FILE [options]

Runs one function once on one event read from a JSON file, and prints the outcome:
processed, retry or dead-letter. Messages the handler sends stay queued for the next
"cloudport run" or "cloudport dev".

The file holds a neutral event: an object event, a message event or a schedule event,
matching the function's trigger. "type" is required, and so are "key" (object events) and
"body" (messages); "id", "time", "raw", the bucket, queue or schedule name, "attributes" and
"deliveryCount" are filled in when absent. A body for a bytes queue is {"base64": "..."}.

  {"type": "object.created", "key": "2026/report.csv", "size": 120}
  {"type": "message", "body": {"file": "report.csv", "rows": 3}}
  {"type": "schedule"}

Options:
  --event FILE  The event file (required).
  --root DIR    Folder of the local buckets and queues (default: .cloudport).
  -h, --help    Show this help.

Exit codes: 0 processed, 1 retry or dead-letter, 2 usage error or malformed event file.`;

/** `cloudport invoke`: one function, one event, one outcome. */
export const invokeCommand: Command = {
  name: 'invoke',
  summary: 'Run one function on one event from a JSON file',
  help: HELP,
  run: runInvoke,
};

async function runInvoke(argv: readonly string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs('invoke', argv, OPTIONS, [
    '<pipeline-module>',
    '<function>',
  ]);
  const [modulePath, name] = positionals as [string, string];
  if (typeof values.event !== 'string') {
    throw new UsageError(
      'missing --event FILE for "cloudport invoke"; pass a JSON file holding the event ' +
        '(see "cloudport invoke --help")',
    );
  }
  const { pipeline } = await loadPipeline(modulePath, context.cwd);
  const fn = findFunction(pipeline, name);
  const event = await readEventFile(values.event, context.cwd, fn);

  let runtime: LocalRuntime | undefined;
  try {
    runtime = await openRuntime(context, {
      pipeline,
      root: resolveRoot(context, values.root),
      writeLog: (line) => writeLine(context.io.stderr, line),
    });
    const started = Date.now();
    const outcome = await runtime.invoke(name, event);
    writeLine(context.io.stdout, formatOutcome(name, outcome, Date.now() - started));

    return outcome.kind === 'processed' ? EXIT.ok : EXIT.failedEvents;
  } finally {
    await runtime?.close();
  }
}

function findFunction(pipeline: Pipeline, name: string): PipelineFunction {
  const fn = pipeline.functions.get(name);
  if (fn) return fn;

  throw new UsageError(
    `function ${quote(name)} is not in pipeline ${quote(pipeline.name)}; ` +
      `its functions are ${[...pipeline.functions.keys()].sort().join(', ')}`,
  );
}
