// Runs the benchmarks in bench/ one after another, each in a process of its own, prints a
// table and merges the results into bench/results.json. bench/README.md describes the format.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { readFile, rename, rm, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readMeta } from './run-one.mjs';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH_DIR);
const RUN_ONE = join(BENCH_DIR, 'run-one.mjs');
const RESULTS = join(BENCH_DIR, 'results.json');
const TMP_ROOT = join(BENCH_DIR, '.tmp');
const RUNNERS = new Set(['run.mjs', 'run-one.mjs']);
const MIB = 2 ** 20;
const USAGE = 'usage: npm run bench -- [--no-build] [name | path/to/benchmark.mjs ...]';

try {
  await main(process.argv.slice(2));
} catch (error) {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}

async function main(args) {
  const options = parseArgs(args);
  const files = options.targets.length > 0 ? [...new Set(options.targets.map(locate))] : discover();
  if (files.length === 0) {
    console.log('No benchmarks found in bench/.');
    return;
  }
  if (options.build) build();

  const runs = [];
  for (const [index, file] of files.entries()) {
    console.log(`\n[${index + 1}/${files.length}] ${display(file)}`);
    const run = await runBenchmark(file, new Set(runs.map((r) => r.name)));
    console.log(`  ${run.name}: ${summarise(run)}`);
    runs.push(run);
  }
  printTable(runs);
  await saveResults(runs);

  process.exitCode = runs.some((run) => run.status === 'crashed') ? 1 : 0;
}

function parseArgs(args) {
  const options = { build: true, targets: [] };
  for (const arg of args) {
    if (arg === '--no-build') options.build = false;
    else if (arg === '--help' || arg === '-h') exitWith(USAGE, 0);
    else if (arg.startsWith('-')) exitWith(`Unknown option ${arg}.\n${USAGE}`, 2);
    else options.targets.push(arg);
  }

  return options;
}

function discover() {
  return readdirSync(BENCH_DIR)
    .filter((name) => name.endsWith('.mjs') && !RUNNERS.has(name))
    .sort()
    .map((name) => join(BENCH_DIR, name));
}

// A bare name means bench/<name>.mjs; anything with a slash or an extension is a path, taken
// from where npm was started (INIT_CWD), since npm runs scripts from the repository root.
function locate(arg) {
  const hasSlash = /[\\/]/.test(arg);
  // biome-ignore lint/suspicious/noUndeclaredEnvVars: npm sets it; bench is no turbo task
  const fromCwd = resolve(process.env.INIT_CWD ?? process.cwd(), arg);
  const inBench = join(BENCH_DIR, arg.endsWith('.mjs') ? arg : `${arg}.mjs`);
  const candidates = [
    ...(hasSlash || /\.m?js$/.test(arg) ? [fromCwd] : []),
    ...(hasSlash ? [] : [inBench]),
  ];
  const file = candidates.find((path) => existsSync(path) && !RUNNERS.has(basename(path)));
  if (file) return file;

  const known = discover().map((path) => basename(path, '.mjs'));
  exitWith(`No benchmark ${JSON.stringify(arg)}. Known: ${known.join(', ') || 'none'}.`, 2);
}

function build() {
  console.log('Building with tsc -b (pass --no-build to skip) ...');
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-b'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status === 0) return;

  exitWith(
    `The build failed (tsc -b: ${result.status ?? result.signal}). Fix the errors above, ` +
      'or pass --no-build to measure the current dist/ as it is.',
    1,
  );
}

async function runBenchmark(file, namesSeen) {
  let meta;
  try {
    // The module is imported here only to read its meta; it runs in a child process.
    meta = await readMeta(file, display(file));
  } catch (error) {
    return { name: basename(file, '.mjs'), status: 'crashed', reason: error.message };
  }
  if (namesSeen.has(meta.name)) {
    return { name: meta.name, meta, status: 'crashed', reason: 'another benchmark has this name' };
  }
  const tmpDir = join(TMP_ROOT, meta.name);
  const started = performance.now();
  try {
    const shortfall = await checkDisk(meta);
    if (shortfall) return { name: meta.name, meta, status: 'skipped', reason: shortfall };
    const result = await runChild(file, meta, tmpDir);
    const seconds = (performance.now() - started) / 1000;

    return { name: meta.name, meta, result, seconds, ...judge(meta.target, result) };
  } catch (error) {
    const seconds = (performance.now() - started) / 1000;
    return { name: meta.name, meta, status: 'crashed', reason: error.message, seconds };
  } finally {
    await rm(tmpDir, { recursive: true, force: true });
  }
}

// A benchmark may write to bench/.tmp or to the OS temp directory; both must have room,
// unless meta.diskPath names the one it uses.
async function checkDisk(meta) {
  if (meta.diskMb === 0) return undefined;
  const paths = meta.diskPath ? [resolve(ROOT, meta.diskPath)] : [TMP_ROOT, tmpdir()];
  for (const path of paths) {
    const freeMb = Math.floor(await freeMegabytes(path));
    if (freeMb >= meta.diskMb) continue;
    return `not enough disk: needs ${meta.diskMb} MB free in ${path}, ${freeMb} MB available`;
  }

  return undefined;
}

async function freeMegabytes(path) {
  let existing = path;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  const stats = await statfs(existing);

  return (stats.bavail * stats.bsize) / MIB;
}

function runChild(file, meta, tmpDir) {
  return new Promise((resolveRun, reject) => {
    // Detached: the child leads its own process group, so a timeout also ends what it started.
    const child = spawn(process.execPath, [...meta.nodeOptions, RUN_ONE, file, tmpDir], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true,
    });
    const killGroup = () => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The group is already gone.
      }
    };
    // The detached child does not see the terminal's Ctrl-C, so pass it on, then stop.
    const interrupt = () => {
      killGroup();
      process.exit(130);
    };
    process.once('SIGINT', interrupt);
    let stdout = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, meta.timeoutSeconds * 1000);
    const done = () => {
      clearTimeout(timer);
      process.removeListener('SIGINT', interrupt);
    };
    child.on('error', (error) => {
      done();
      reject(error);
    });
    child.on('close', (code, signal) => {
      done();
      if (timedOut) return reject(new Error(`timed out after ${meta.timeoutSeconds} s`));
      const last = lastJsonLine(stdout);
      if (code === 0 && last && !('error' in last)) return resolveRun(last);
      const exit =
        code === 0 ? 'exited without a result' : `exited with ${signal ?? `code ${code}`}`;
      reject(new Error(typeof last?.error === 'string' ? `${exit}: ${last.error}` : exit));
    });
  });
}

function lastJsonLine(text) {
  try {
    const value = JSON.parse(text.trim().split('\n').at(-1));
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}

function judge(target, result) {
  if (Object.keys(target).length === 0) return { status: 'measured', reason: '' };
  const missed = missedTargets(target, result);

  return { status: missed.length === 0 ? 'pass' : 'fail', reason: missed.join('; ') };
}

function missedTargets(target, result) {
  const missed = [];
  for (const [key, { min, max }] of Object.entries(target)) {
    const value = result[key];
    if (typeof value !== 'number') missed.push(`${key} was not reported`);
    else if (min !== undefined && value < min) missed.push(`${key} ${show(value)} < ${min}`);
    else if (max !== undefined && value > max) missed.push(`${key} ${show(value)} > ${max}`);
  }

  return missed;
}

function summarise(run) {
  const time = run.seconds === undefined ? '' : ` in ${run.seconds.toFixed(1)} s`;
  if (run.status === 'skipped' || run.status === 'crashed') return `${run.status}: ${run.reason}`;
  const missed = run.reason ? ` (${run.reason})` : '';

  return `${run.status}, ratio ${show(run.result.ratio)}${missed}${time}`;
}

function printTable(runs) {
  const header = ['benchmark', 'status', 'ratio', 'target', 'seconds', 'details'];
  const rows = runs.map((run) => [
    run.name,
    run.status,
    run.result ? show(run.result.ratio) : '-',
    describeTarget(run.meta?.target ?? {}),
    run.seconds === undefined ? '-' : run.seconds.toFixed(1),
    run.result ? describeDetails(run.result) : run.reason,
  ]);
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((row) => row[i].length)));
  const line = (row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  console.log(
    `\n${[line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')}`,
  );
  for (const run of runs.filter((r) => r.status === 'fail')) {
    console.log(`\n${run.name} missed its target: ${run.reason}`);
  }
}

function describeTarget(target) {
  const parts = Object.entries(target).flatMap(([key, { min, max }]) => [
    ...(min === undefined ? [] : [`${key}>=${min}`]),
    ...(max === undefined ? [] : [`${key}<=${max}`]),
  ]);

  return parts.join(', ') || '-';
}

function describeDetails(result) {
  const entries = Object.entries(result).filter(([key]) => key !== 'ratio');

  return entries.map(([key, value]) => `${key}=${show(value)}`).join(', ') || '-';
}

function show(value) {
  if (typeof value !== 'number') return typeof value === 'string' ? value : JSON.stringify(value);
  if (Number.isInteger(value)) return String(value);

  return Math.abs(value) >= 100 ? value.toFixed(0) : String(Number(value.toPrecision(3)));
}

// Measured entries replace the old one; skipped ones keep the last measurement and say why
// this run could not repeat it; crashes leave the file alone (the exit code reports them).
async function saveResults(runs) {
  if (runs.length === 0) return;
  const results = await readResults();
  const now = new Date().toISOString();
  for (const run of runs) {
    // A run that measured nothing keeps the last figures, marked so that nobody takes them
    // for this run's.
    if (run.status === 'skipped' || run.status === 'crashed') {
      const { skipped, skippedAt, crashed, crashedAt, ...last } = results[run.name] ?? {};
      results[run.name] = { ...last, [run.status]: run.reason, [`${run.status}At`]: now };
      continue;
    }
    const verdict = run.status === 'measured' ? {} : { targetMet: run.status === 'pass' };
    results[run.name] = { ...run.result, ...verdict, measuredAt: now };
  }
  // Entries of benchmarks that no longer exist would read as current figures.
  const known = new Set(discover().map((path) => basename(path, '.mjs')));
  for (const run of runs) known.add(run.name);
  for (const name of Object.keys(results)) if (!known.has(name)) delete results[name];
  const sorted = Object.fromEntries(
    Object.keys(results)
      .sort()
      .map((k) => [k, results[k]]),
  );
  const temp = `${RESULTS}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(sorted, null, 2)}\n`);
  await rename(temp, RESULTS);
  console.log(`\nMerged ${runs.length} result(s) into ${relative(ROOT, RESULTS)}.`);
}

async function readResults() {
  if (!existsSync(RESULTS)) return {};
  let parsed;
  try {
    parsed = JSON.parse(await readFile(RESULTS, 'utf8'));
  } catch {
    // Not JSON: refused below, so that no one's results are overwritten.
  }
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed;

  throw new Error(
    `${relative(ROOT, RESULTS)} is not a JSON object; fix or delete it. Nothing was written.`,
  );
}

function display(path) {
  const inside = relative(ROOT, path);

  return inside.startsWith('..') ? path : inside;
}

function exitWith(message, code) {
  (code === 0 ? console.log : console.error)(message);
  process.exit(code);
}
