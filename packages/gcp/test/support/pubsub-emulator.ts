import { type ChildProcess, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { spawnGroup, stopGroup } from './process-group.mjs';

/** A running Pub/Sub emulator and how to reach it. */
export interface PubSubEmulator {
  /** `host:port`, for the client's `apiEndpoint`. */
  endpoint: string;
  projectId: string;
  stop(): Promise<void>;
}

/** Runs a tool and says whether it succeeded, with what it printed. */
export type ToolProbe = (tool: string, args: string[]) => { ok: boolean; output: string };

const runTool: ToolProbe = (tool, args) => {
  const probe = spawnSync(tool, args, { encoding: 'utf8', timeout: 30_000 });
  const ok = probe.error === undefined && probe.status === 0;

  return { ok, output: `${probe.stdout ?? ''}${probe.stderr ?? ''}` };
};

/**
 * Why the emulator cannot run here, or undefined when it can: `gcloud`, its `pubsub-emulator`
 * component (which `gcloud --version` lists once installed) and `java` must all be there.
 */
export function emulatorMissing(probe: ToolProbe = runTool): string | undefined {
  const gcloud = probe('gcloud', ['--version']);
  if (!gcloud.ok) return 'gcloud is not installed, so the Pub/Sub emulator cannot start';
  if (!/^pubsub-emulator\s/m.test(gcloud.output)) {
    return (
      'the gcloud component pubsub-emulator is not installed (run `gcloud components install ' +
      'pubsub-emulator`, or install the google-cloud-cli-pubsub-emulator package)'
    );
  }
  if (!probe('java', ['-version']).ok) {
    return 'java is not installed, and the Pub/Sub emulator runs on it';
  }

  return undefined;
}

/** What to do with emulator-backed tests: run them, skip them, or fail for want of the tools. */
export type EmulatorDecision =
  | { action: 'run' }
  | { action: 'skip'; reason: string }
  | { action: 'fail'; reason: string };

/** Runs when nothing is missing; otherwise skips, except where `CI` is `true`: CI must run them. */
export function decideEmulator(
  missing: string | undefined,
  env: Record<string, string | undefined>,
): EmulatorDecision {
  if (missing === undefined) return { action: 'run' };
  if (env.CI === 'true') {
    return {
      action: 'fail',
      reason: `${missing}; CI (CI=true) must run the Pub/Sub emulator tests, so install it there`,
    };
  }

  return { action: 'skip', reason: missing };
}

/** The parts of a test runner that {@link whenEmulator} uses. */
export interface SkippingRunner {
  describe(name: string, body: () => void): void;
  it: { (name: string, body: () => void): void; skip(name: string, body: () => void): void };
}

/** What {@link whenEmulator} looks at, for tests of it; each defaults to the real one. */
export interface EmulatorCheckOptions {
  env?: Record<string, string | undefined>;
  /** The reason the emulator cannot run, or undefined when it can; probed by default. */
  missing?: () => string | undefined;
  report?: (line: string) => void;
}

/**
 * True when the emulator-backed tests can run. Otherwise it registers one test under `name`
 * that gives the reason, and prints it: a skipped test, or where `CI` is `true` a failing one.
 */
export function whenEmulator(
  runner: SkippingRunner,
  name: string,
  options: EmulatorCheckOptions = {},
): boolean {
  const missing = (options.missing ?? emulatorMissing)();
  const decision = decideEmulator(missing, options.env ?? process.env);
  if (decision.action === 'run') return true;
  const report = options.report ?? ((line: string) => process.stderr.write(line));
  if (decision.action === 'fail') {
    report(`[gcp tests] failing ${name}: ${decision.reason}.\n`);
    runner.describe(name, () =>
      runner.it(`needs the Pub/Sub emulator: ${decision.reason}`, () => {
        throw new Error(`${name} cannot run: ${decision.reason}.`);
      }),
    );
    return false;
  }
  report(`[gcp tests] skipping ${name}: ${decision.reason}.\n`);
  runner.describe(name, () => runner.it.skip(`skipped: ${decision.reason}`, () => {}));

  return false;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');

  return port;
}

/**
 * Starts `gcloud beta emulators pubsub start` on a free port in a process group of its own and
 * waits until it listens. `stop()` ends the whole group: gcloud and the Java server it starts.
 * The group also ends when the test worker exits, is interrupted or is killed (see
 * process-group.mjs), so a crashed run leaves no emulator behind.
 */
export async function startPubSubEmulator(projectId = 'demo'): Promise<PubSubEmulator> {
  const port = await freePort();
  const child = spawnGroup(
    'gcloud',
    [
      'beta',
      'emulators',
      'pubsub',
      'start',
      `--host-port=127.0.0.1:${port}`,
      `--project=${projectId}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const collect = (chunk: Buffer) => {
    output = `${output}${chunk.toString('utf8')}`.slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  try {
    await waitForStart(child, () => output, 60_000);
  } catch (error) {
    await stopGroup(child);
    throw error;
  }

  return { endpoint: `127.0.0.1:${port}`, projectId, stop: () => stopGroup(child) };
}

async function waitForStart(child: ChildProcess, output: () => string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!/Server started, listening on/.test(output())) {
    if (child.exitCode !== null) {
      throw new Error(`The Pub/Sub emulator exited (${child.exitCode}):\n${output()}`);
    }
    if (Date.now() > deadline) throw new Error(`The Pub/Sub emulator did not start:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
