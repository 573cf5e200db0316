import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  bucket,
  defineFunction,
  definePipeline,
  isCloudportError,
  onObjectCreated,
  readAll,
} from '@cloudport/core';
import { createLocalRuntime } from '@cloudport/local';

/** The built binary; the tests run what users run. */
export const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

/** Path of a fixture module. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
}

/** What a finished `cloudport` process left behind. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link runCli}. */
export interface RunCliOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Kills the process (code null) when it runs longer. Defaults to 30 s. */
  timeoutMs?: number;
}

/** Fails early, with a hint, when the binary has not been built. */
export function assertBuilt(): void {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run "npx tsc -b" first`);
}

/** Starts `node dist/bin.js ...args` without waiting for it. */
export function startCli(args: readonly string[], options: RunCliOptions = {}): ChildProcess {
  const env: Record<string, string | undefined> = { ...process.env, CLOUDPORT_LOG_LEVEL: 'warn' };
  delete env.CLOUDPORT_DEBUG;
  Object.assign(env, options.env);

  return spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env, stdio: 'pipe' });
}

/** Runs `node dist/bin.js ...args` to the end. */
export function runCli(args: readonly string[], options: RunCliOptions = {}): Promise<CliResult> {
  const child = startCli(args, options);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });

  const timer = setTimeout(() => {
    stderr += `[test: killed after ${options.timeoutMs ?? 30_000} ms]`;
    child.kill('SIGKILL');
  }, options.timeoutMs ?? 30_000);

  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Lines of text, without the empty one after the last newline. */
export function lines(text: string): string[] {
  return text.split('\n').filter((line, i, all) => line !== '' || i < all.length - 1);
}

/** A fresh temporary folder, and a function that removes it. */
export async function tempDir(prefix = 'cloudport-cli-'): Promise<{
  path: string;
  remove: () => Promise<void>;
}> {
  const path = await mkdtemp(join(tmpdir(), prefix));

  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Polls `condition` every 50 ms until it holds, failing after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

/**
 * Reads an object of a local runtime's bucket through the runtime's own store, so the tests
 * do not depend on how buckets are laid out on disk; undefined when it does not exist.
 */
export async function readObject(
  root: string,
  bucketName: string,
  key: string,
): Promise<string | undefined> {
  const pipeline = definePipeline('reader', {
    read: defineFunction({ trigger: onObjectCreated(bucket(bucketName)), handler: () => {} }),
  });
  const runtime = await createLocalRuntime({ pipeline, root, logger: false });
  try {
    const { body } = await runtime.store(bucketName).get(key);
    return (await readAll(body)).toString('utf8');
  } catch (error) {
    if (isCloudportError(error, 'OBJECT_NOT_FOUND')) return undefined;
    throw error;
  } finally {
    await runtime.close();
  }
}
