import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

/** A running Pub/Sub emulator and how to reach it. */
export interface PubSubEmulator {
  /** `host:port`, for the client's `apiEndpoint`. */
  endpoint: string;
  projectId: string;
  stop(): Promise<void>;
}

/** Why the emulator cannot run here, or undefined when `gcloud` and `java` are installed. */
export function emulatorMissing(): string | undefined {
  for (const [tool, args] of [
    ['gcloud', ['--version']],
    ['java', ['-version']],
  ] as const) {
    const probe = spawnSync(tool, [...args], { stdio: 'ignore', timeout: 30_000 });
    if (probe.error || probe.status !== 0) {
      return `${tool} is not installed, so the Pub/Sub emulator cannot start`;
    }
  }

  return undefined;
}

/** The parts of a test runner that {@link whenEmulator} uses. */
export interface SkippingRunner {
  describe(name: string, body: () => void): void;
  it: { skip(name: string, body: () => void): void };
}

/**
 * True when the emulator-backed tests can run. Otherwise it registers one skipped test whose
 * name gives the reason, and prints it; where `CI` is `true` it registers a failing suite
 * instead, since CI must run them.
 */
export function whenEmulator(runner: SkippingRunner, name: string): boolean {
  const missing = emulatorMissing();
  if (missing === undefined) return true;
  if (process.env.CI === 'true') {
    runner.describe(name, () => {
      throw new Error(`${missing}; CI runs must have it (install the gcloud pubsub emulator).`);
    });
    return false;
  }
  process.stderr.write(`[gcp tests] skipping ${name}: ${missing}.\n`);
  runner.describe(name, () => runner.it.skip(`skipped: ${missing}`, () => {}));

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
 */
export async function startPubSubEmulator(projectId = 'demo'): Promise<PubSubEmulator> {
  const port = await freePort();
  const child = spawn(
    'gcloud',
    [
      'beta',
      'emulators',
      'pubsub',
      'start',
      `--host-port=127.0.0.1:${port}`,
      `--project=${projectId}`,
    ],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
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

async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null) return;
  const exited = once(child, 'exit');
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid as number), name);
    } catch {
      // The group is gone already.
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
  // gcloud may exit before its Java child; make sure nothing of the group is left.
  signal('SIGKILL');
}
