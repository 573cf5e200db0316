import type { LocalRuntime } from '@cloudport/local';
import { type OptionSpec, parseCommandArgs } from '../args.js';
import { type Command, type CommandContext, resolveRoot } from '../context.js';
import { EXIT } from '../errors.js';
import { loadPipeline } from '../load-pipeline.js';
import { writeLine } from '../output.js';
import { openRuntime } from '../runtime.js';
import { formatDeadLetters } from '../summary.js';

const OPTIONS = {
  replay: { type: 'boolean' },
  json: { type: 'boolean' },
  root: { type: 'string' },
} satisfies OptionSpec;

const HELP = `Usage: cloudport dlq <pipeline-module> [options]

Lists the dead letters of a pipeline's queues and functions (queue, function, event id, time,
reason), or sends them back to where they failed with --replay. Replayed events are processed
by the next "cloudport run" or "cloudport dev".

Options:
  --replay     Send every dead letter back to its source and print how many.
  --json       Print one JSON document on stdout: {"deadLetters": [...]} or {"replayed": N}.
  --root DIR   Folder of the local buckets and queues (default: .cloudport).
  -h, --help   Show this help.

Listing dead letters is not a failure: the exit code is 0 either way.`;

/** `cloudport dlq`: list or replay dead letters. */
export const dlqCommand: Command = {
  name: 'dlq',
  summary: 'List dead letters, or replay them with --replay',
  help: HELP,
  run: runDlq,
};

async function runDlq(argv: readonly string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs('dlq', argv, OPTIONS, ['<pipeline-module>']);
  const { pipeline } = await loadPipeline(positionals[0]!, context.cwd);
  const { stdout, stderr } = context.io;

  let runtime: LocalRuntime | undefined;
  try {
    runtime = await openRuntime(context, {
      pipeline,
      root: resolveRoot(context, values.root),
      writeLog: (line) => writeLine(stderr, line),
    });
    if (values.replay) {
      const replayed = await runtime.replayDeadLetters();
      const text = values.json
        ? JSON.stringify({ replayed })
        : `replayed ${replayed} dead ${replayed === 1 ? 'letter' : 'letters'}` +
          (replayed > 0 ? '; "cloudport run" or "cloudport dev" will process them' : '');
      writeLine(stdout, text);
      return EXIT.ok;
    }
    const deadLetters = await runtime.deadLetters();
    const text = values.json
      ? JSON.stringify({ deadLetters }, null, 2)
      : formatDeadLetters(deadLetters);
    writeLine(stdout, text);

    return EXIT.ok;
  } finally {
    await runtime?.close();
  }
}
