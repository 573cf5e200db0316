import { readFile, stat } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BucketRef, isCloudportError, isPipeline, type Pipeline, QueueRef } from '@cloudport/core';
import { quote, UsageError } from './errors.js';
import { enableTypeScriptModules, requireTypeScript } from './typescript.js';

const TYPESCRIPT_EXTENSIONS = new Set(['.ts', '.mts', '.cts']);

/** A pipeline and the absolute path of the module it came from. */
export interface LoadedPipeline {
  pipeline: Pipeline;
  path: string;
}

/**
 * Imports a pipeline module (path relative to `cwd`) and returns its default export, or its
 * export named `pipeline`, when that is a pipeline.
 *
 * TypeScript modules (`.ts`, `.mts`, `.cts`) are compiled by tsx, in the package type Node
 * gives them: an ES module (`.mts`, or `.ts` in a `"type": "module"` package) is imported with
 * tsx's ES module hooks, a CommonJS one (`.cts`, or `.ts` in any other package) is required
 * with its CommonJS hook. Either way the module shares the CLI's copy of `@cloudport/core`
 * (see `requireTypeScript` for what that takes on Node 20).
 */
export async function loadPipeline(specifier: string, cwd: string): Promise<LoadedPipeline> {
  const path = resolve(cwd, specifier);
  await assertFile(specifier, path);

  const exports = await importModule(specifier, path);
  const pipeline = pickPipeline(specifier, exports);
  assertSharedCore(specifier, pipeline);

  return { pipeline, path };
}

async function assertFile(specifier: string, path: string): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (!info) {
    throw new UsageError(
      `cannot find pipeline module ${quote(specifier)} (looked for ${path}); ` +
        'pass the path of the file that exports your pipeline',
    );
  }
  if (!info.isFile()) {
    throw new UsageError(
      `pipeline module ${quote(specifier)} is not a file; ` +
        'pass the path of the file that exports your pipeline, such as src/pipeline.ts',
    );
  }
}

async function importModule(specifier: string, path: string): Promise<Record<string, unknown>> {
  const typescript = TYPESCRIPT_EXTENSIONS.has(extname(path));
  const commonJs = typescript && (await loadsAsCommonJs(path));
  try {
    if (commonJs) return await requireTypeScript(specifier, path);
    if (typescript) await enableTypeScriptModules();
    return (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    if (isCloudportError(error) || error instanceof UsageError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(`cannot load pipeline module ${quote(specifier)}: ${reason}`, {
      cause: error,
    });
  }
}

/** True for `.cts`, and for `.ts` outside a package whose package.json says `"type": "module"`. */
async function loadsAsCommonJs(path: string): Promise<boolean> {
  const extension = extname(path);
  if (extension !== '.ts') return extension === '.cts';
  let directory = dirname(path);
  for (;;) {
    const text = await readFile(join(directory, 'package.json'), 'utf8').catch(() => undefined);
    if (text !== undefined) return !/"type"\s*:\s*"module"/.test(text);
    const parent = dirname(directory);
    if (parent === directory) return true;
    directory = parent;
  }
}

function pickPipeline(specifier: string, exports: Record<string, unknown>): Pipeline {
  const defaultExport = exports.default as Record<string, unknown> | undefined;
  // A CommonJS module arrives as `default`; its own `default` or `pipeline` may hold the value.
  const candidates = [
    defaultExport,
    exports.pipeline,
    defaultExport?.default,
    defaultExport?.pipeline,
  ];
  const pipeline = candidates.find((candidate) => isPipeline(candidate));
  if (pipeline) return pipeline as Pipeline;

  throw new UsageError(
    `pipeline module ${quote(specifier)} exports no pipeline; ` +
      'export one with "export default definePipeline(...)" or "export const pipeline = ..."',
  );
}

/**
 * Fails early when the pipeline was built with another copy of `@cloudport/core` than the one
 * cloudport runs: handlers would find no bound buckets or queues at run time.
 */
function assertSharedCore(specifier: string, pipeline: Pipeline): void {
  const refs: unknown[] = [];
  for (const fn of pipeline.functions.values()) {
    if (fn.trigger.kind === 'object') refs.push(fn.trigger.bucket);
    if (fn.trigger.kind === 'queue') refs.push(fn.trigger.queue);
    if (fn.deadLetter) refs.push(fn.deadLetter);
    refs.push(...(fn.uses ?? []));
  }
  const foreign = refs.some((ref) => !(ref instanceof BucketRef || ref instanceof QueueRef));
  if (!foreign) return;

  throw new UsageError(
    `pipeline module ${quote(specifier)} uses another copy of @cloudport/core than cloudport ` +
      'does; install @cloudport/cli in the same project as the pipeline (or run "npm dedupe")',
  );
}
