import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build, type Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');

// A pipeline of two functions whose handlers live in modules of their own, each recording in a
// global when it is evaluated, and one Lambda entry point per function.
const FILES: Record<string, string> = {
  'pipeline.mjs': `
import {
  bucket, definePipeline, lazyHandler, onMessage, onObjectCreated, queue,
} from '@cloudport/core';
export const rows = queue('rows');
export const uploads = bucket('uploads');
export default definePipeline('bundled', {
  count: { trigger: onMessage(rows), handler: lazyHandler(() => import('./count.mjs')) },
  parse: {
    trigger: onObjectCreated(uploads),
    handler: lazyHandler(() => import('./parse.mjs').then((module) => module.parseUpload)),
    uses: [rows],
  },
});
`,
  'count.mjs': `
(globalThis.evaluated ??= []).push('count');
export default async function count(message) {
  if (message.body.fail) throw new Error('row ' + message.body.n + ' cannot be counted');
}
`,
  'parse.mjs': `
(globalThis.evaluated ??= []).push('parse');
export async function parseUpload() {
  throw new Error('text only the parse handler carries');
}
`,
  'count-entry.mjs': `
import { createHandler } from '@cloudport/aws';
import pipeline from './pipeline.mjs';
export const handler = createHandler(pipeline, 'count');
`,
  'run.mjs': `
const { handler } = await import(process.argv[2]);
const before = [...(globalThis.evaluated ?? [])];
const Records = [0, 1, 2].map((n) => ({
  messageId: 'm-' + n, receiptHandle: 'r-' + n, body: JSON.stringify({ n, fail: n === 1 }),
  attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1771063200000' },
  messageAttributes: {}, eventSource: 'aws:sqs', awsRegion: 'eu-west-1',
  eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:bundled-rows',
}));
const context = { awsRequestId: 'r', getRemainingTimeInMillis: () => 9000 };
const result = await handler({ Records }, context);
process.stdout.write(JSON.stringify({ before, after: globalThis.evaluated, result }) + '\\n');
`,
};

/** Bundles an entry as a Lambda function package is built: ESM, split at import(), SDK left out. */
async function splitBundle(entry: string, outdir: string): Promise<Metafile> {
  const result = await build({
    entryPoints: [entry],
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: ['@aws-sdk/*'],
    nodePaths: [join(ROOT, 'node_modules')],
    metafile: true,
    logLevel: 'silent',
  });

  return result.metafile;
}

let dir: string;
let metafile: Metafile;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cloudport-bundle-'));
  for (const [name, text] of Object.entries(FILES)) writeFileSync(join(dir, name), text);
  metafile = await splitBundle(join(dir, 'count-entry.mjs'), join(dir, 'out'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function outputOf(entry: string): [string, Metafile['outputs'][string]] {
  const found = Object.entries(metafile.outputs).find(([, output]) =>
    output.entryPoint?.endsWith(entry),
  );
  if (!found) throw new Error(`esbuild wrote no output for ${entry}`);

  return found;
}

/**
 * Every input file behind the given outputs and the outputs they import statically: what a
 * process that loads those outputs evaluates.
 */
function inputsLoadedWith(meta: Metafile, starts: string[]): string[] {
  const seen = new Set<string>();
  const inputs: string[] = [];
  const visit = (path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    const output = meta.outputs[path];
    if (!output) return;
    inputs.push(...Object.keys(output.inputs));
    for (const imported of output.imports) {
      if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
    }
  };
  for (const start of starts) visit(start);

  return inputs.map((input) => relative(ROOT, join(process.cwd(), input)));
}

/** The outputs holding an input whose path ends with `suffix`. */
function outputsHolding(meta: Metafile, suffix: string): string[] {
  return Object.entries(meta.outputs)
    .filter(([, output]) => Object.keys(output.inputs).some((input) => input.endsWith(suffix)))
    .map(([path]) => path);
}

describe('a Lambda bundle built for one function', () => {
  it('loads neither the other handlers nor another provider at cold start', () => {
    const inputs = inputsLoadedWith(metafile, [outputOf('count-entry.mjs')[0]]);

    expect(inputs.some((input) => input.startsWith('packages/aws/'))).toBe(true);
    expect(inputs.filter((input) => /(count|parse)\.mjs$/.test(input))).toEqual([]);
    expect(inputs.filter((input) => /packages\/(gcp|azure|local)\//.test(input))).toEqual([]);
    expect(inputs.filter((input) => input.includes('node_modules/@aws-sdk/'))).toEqual([]);
  });

  it('keeps the other handler out of every chunk that function loads', () => {
    const [entry] = outputOf('count-entry.mjs');
    const [countChunk] = Object.entries(metafile.outputs).find(([, output]) =>
      Object.keys(output.inputs).some((input) => input.endsWith('count.mjs')),
    ) ?? [undefined];
    const parseChunk = Object.entries(metafile.outputs).find(([, output]) =>
      Object.keys(output.inputs).some((input) => input.endsWith('parse.mjs')),
    );
    const text = (file: string) => readFileSync(join(process.cwd(), file), 'utf8');

    expect(countChunk).toBeDefined();
    expect(parseChunk).toBeDefined();
    expect(countChunk).not.toBe(entry);
    for (const file of [entry, countChunk as string]) {
      expect(text(file)).not.toContain('text only the parse handler carries');
    }
  });

  it('evaluates its own handler on the first event and answers it', async () => {
    const [path] = outputOf('count-entry.mjs');
    const { stdout } = await run(
      process.execPath,
      [join(dir, 'run.mjs'), join(process.cwd(), path)],
      {
        env: {
          ...process.env,
          CLOUDPORT_PIPELINE: 'bundled',
          CLOUDPORT_QUEUE_ROWS: 'https://sqs.eu-west-1.amazonaws.com/123456789012/bundled-rows',
          CLOUDPORT_BUCKET_UPLOADS: 'bundled-uploads',
          CLOUDPORT_LOG_LEVEL: 'error',
        },
      },
    );
    const report = JSON.parse(stdout.trim().split('\n').at(-1) as string);

    expect(report.before).toEqual([]);
    expect(report.after).toEqual(['count']);
    expect(report.result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
  });
});

describe('the csv-etl example built for its aggregate Lambda', () => {
  it('loads no CSV parser and no other handler at cold start or on its first event', async () => {
    const out = mkdtempSync(join(tmpdir(), 'cloudport-csv-etl-'));
    try {
      const entry = join(out, 'aggregate-entry.mjs');
      const pipeline = join(ROOT, 'examples/csv-etl/src/pipeline.ts');
      writeFileSync(
        entry,
        `import { createHandler } from '@cloudport/aws';\n` +
          `import pipeline from ${JSON.stringify(pipeline)};\n` +
          `export const handler = createHandler(pipeline, 'aggregate');\n`,
      );
      const meta = await splitBundle(entry, join(out, 'dist'));
      const entryOutput = Object.keys(meta.outputs).find((path) =>
        path.endsWith('aggregate-entry.js'),
      );
      const handlerChunks = outputsHolding(meta, 'src/aggregate.ts');
      expect(entryOutput).toBeDefined();
      const cold = inputsLoadedWith(meta, [entryOutput as string]);
      const inputs = inputsLoadedWith(meta, [entryOutput as string, ...handlerChunks]);

      expect(handlerChunks).toHaveLength(1);
      expect(cold.some((input) => input.endsWith('src/aggregate.ts'))).toBe(false);
      expect(inputs.some((input) => input.endsWith('src/aggregate.ts'))).toBe(true);
      expect(outputsHolding(meta, 'src/parse.ts')).toHaveLength(1);
      expect(
        inputs.filter((input) => /csv-parse|src\/(parse|reject|sweep)\.ts$/.test(input)),
      ).toEqual([]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
