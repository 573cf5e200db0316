// The benchmark module contract (see bench/README.md), and the process that runs one benchmark.
//
// As a script, `node bench/run-one.mjs <benchmark.mjs> [tmpDir]` imports the benchmark, awaits
// its default export and prints the result as one JSON line on stdout; on failure it prints
// {"error": message} instead and exits with code 1. bench/run.mjs starts one such process per
// benchmark, so that no benchmark's heap, handles or caches leak into the next one.
// As a module, it gives bench/run.mjs readMeta() to check a benchmark before running it.
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { format } from 'node:util';

/** Seconds a benchmark may run when its meta sets no timeoutSeconds. */
export const DEFAULT_TIMEOUT_SECONDS = 900;

const NAME = /^[a-z0-9][a-z0-9._-]*$/;

/** Imports a benchmark and returns its meta with defaults filled in; throws naming the fault. */
export async function readMeta(file, label = file) {
  const module = await import(pathToFileURL(resolve(file)).href).catch((error) => {
    throw new Error(`${label} cannot be imported: ${error.message}`);
  });
  const meta = module.meta;
  const where = `${label}: meta`;
  if (typeof meta !== 'object' || meta === null) {
    throw new Error(`${where} is missing; export const meta = { name, diskMb }`);
  }
  if (typeof meta.name !== 'string' || !NAME.test(meta.name)) {
    throw new Error(`${where}.name must be a lowercase name such as "queue-throughput"`);
  }
  const diskMb = meta.diskMb ?? 0;
  if (!isNumberAtLeast(diskMb, 0)) throw new Error(`${where}.diskMb must be a number >= 0`);
  const timeoutSeconds = meta.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  if (!isNumberAtLeast(timeoutSeconds, 0) || timeoutSeconds === 0) {
    throw new Error(`${where}.timeoutSeconds must be a number above 0`);
  }
  const nodeOptions = meta.nodeOptions ?? [];
  if (!Array.isArray(nodeOptions) || !nodeOptions.every((o) => typeof o === 'string')) {
    throw new Error(`${where}.nodeOptions must be an array of strings such as ["--expose-gc"]`);
  }
  if (meta.diskPath !== undefined && typeof meta.diskPath !== 'string') {
    throw new Error(`${where}.diskPath must be a directory path`);
  }

  return { ...meta, diskMb, timeoutSeconds, nodeOptions, target: checkTarget(where, meta.target) };
}

/** Throws unless `result` is an object with a numeric ratio and only finite numbers. */
export function checkResult(label, result) {
  if (typeof result !== 'object' || result === null || Array.isArray(result)) {
    throw new Error(`${label} returned ${format(result)}; return an object such as { ratio: 0.9 }`);
  }
  if (typeof result.ratio !== 'number') {
    throw new Error(`${label} returned no numeric ratio (got ${format(result.ratio)})`);
  }
  // JSON would turn NaN and Infinity into null without a word; say so instead.
  for (const [key, value] of Object.entries(result)) {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new Error(`${label} returned ${key} = ${value}; every number must be finite`);
    }
  }
}

function checkTarget(where, target = {}) {
  if (typeof target !== 'object' || target === null) {
    throw new Error(`${where}.target must be an object such as { ratio: { min: 0.8 } }`);
  }
  for (const [key, bounds] of Object.entries(target)) {
    const { min, max } = bounds ?? {};
    const valid = (v) => v === undefined || isNumberAtLeast(v, Number.NEGATIVE_INFINITY);
    if (!valid(min) || !valid(max) || (min === undefined && max === undefined)) {
      throw new Error(`${where}.target.${key} needs a numeric min, max or both`);
    }
  }

  return target;
}

function isNumberAtLeast(value, floor) {
  return typeof value === 'number' && Number.isFinite(value) && value >= floor;
}

async function runOne(file, givenTmpDir) {
  // run.mjs passes a directory and removes it afterwards; alone, we clean up what we made.
  const tmpDir = resolve(givenTmpDir ?? join(tmpdir(), `cloudport-bench-${process.pid}`));
  const finish = (code) => {
    if (givenTmpDir === undefined) rmSync(tmpDir, { recursive: true, force: true });
    process.exit(code);
  };
  // stdout carries the result line alone; whatever the benchmark logs goes to stderr.
  const toStderr = (...args) => process.stderr.write(`${format(...args)}\n`);
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;

  try {
    const module = await import(pathToFileURL(resolve(file)).href);
    if (typeof module.default !== 'function') {
      throw new Error(`${file} has no default export; export default async function run() {}`);
    }
    mkdirSync(tmpDir, { recursive: true });
    const result = await module.default({ tmpDir });
    checkResult(file, result);

    // Exit once the line is flushed, even if the benchmark left a timer or socket open.
    process.stdout.write(`${JSON.stringify(result)}\n`, () => finish(0));
  } catch (error) {
    // The stack for the reader on stderr; the message for run.mjs on stdout.
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    const message = error instanceof Error ? error.message : String(error);
    process.stdout.write(`${JSON.stringify({ error: message })}\n`, () => finish(1));
  }
}

const isScript = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isScript) {
  const [file, tmpDir] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node bench/run-one.mjs <benchmark.mjs> [tmpDir]\n');
    process.exit(2);
  }
  await runOne(file, tmpDir);
}
