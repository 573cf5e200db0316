import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A local AWS protocol server the tests talk to. */
export interface TestServer {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  stop(): Promise<void>;
}

/** Whether a moto_server is installed, and if not, why the moto tests are skipped. */
export function motoStatus(): { available: true } | { available: false; reason: string } {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    try {
      accessSync(join(dir, 'moto_server'), constants.X_OK);
      return { available: true };
    } catch {
      // Not in this directory; keep looking.
    }
  }

  return { available: false, reason: 'moto_server is not on PATH (pip install "moto[server]")' };
}

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Starts `moto_server` on a free loopback port in a process group of its own, waits until it
 * answers, and stops the whole group (the pyenv shim and Python) when asked.
 */
export async function startMoto(): Promise<TestServer> {
  const port = await freePort();
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const endpoint = `http://127.0.0.1:${port}`;
  await waitUntilReady(child, `${endpoint}/moto-api/`, 'moto_server');

  return { endpoint, stop: () => stopGroup(child) };
}

/**
 * Starts fauxqs in a child process bound to 127.0.0.1 (its own `startFauxqs` binds every
 * interface), so that its in-memory objects do not count toward this process's memory.
 */
export async function startFauxqsProcess(): Promise<TestServer> {
  const script = fileURLToPath(new URL('./fauxqs-server.mjs', import.meta.url));
  const port = await freePort();
  const child = spawn(process.execPath, [script, String(port)], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const endpoint = `http://127.0.0.1:${port}`;
  await waitUntilReady(child, `${endpoint}/health`, 'fauxqs');

  return { endpoint, stop: () => stopGroup(child) };
}

/** Starts fauxqs inside this process, bound to 127.0.0.1 on a free port. */
export async function startFauxqsInProcess(): Promise<TestServer> {
  const { buildApp } = await import('fauxqs');
  const app = buildApp({ logger: false, host: 'localhost' });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return { endpoint: `http://127.0.0.1:${port}`, stop: () => app.close() };
}

async function waitUntilReady(child: ChildProcess, url: string, name: string): Promise<void> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}): ${stderr}`)));
    child.once('error', reject);
  });
  exited.catch(() => undefined);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const ready = await Promise.race([
      fetch(url).then(
        (response) => response.ok,
        () => false,
      ),
      exited,
    ]);
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stopGroup(child);

  throw new Error(`${name} did not answer at ${url} within 20 s: ${stderr}`);
}

async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid as number), name);
    } catch {
      // The group is already gone.
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
