import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { groupAlive } from './support/process-group.mjs';
import {
  decideEmulator,
  emulatorMissing,
  type SkippingRunner,
  type ToolProbe,
  whenEmulator,
} from './support/pubsub-emulator.js';

const GCLOUD_VERSION = [
  'Google Cloud SDK 528.0.0',
  'beta 2025.06.20',
  'bq 2.1.18',
  'core 2025.06.20',
].join('\n');

function probeWith(tools: Record<string, string | false>): ToolProbe {
  return (tool) => {
    const output = tools[tool];
    return output === false || output === undefined
      ? { ok: false, output: '' }
      : { ok: true, output };
  };
}

describe('emulatorMissing', () => {
  it.each<[string, Record<string, string | false>, string]>([
    ['no gcloud', { gcloud: false, java: 'openjdk 17' }, 'gcloud is not installed'],
    [
      'gcloud without the component',
      { gcloud: GCLOUD_VERSION, java: 'openjdk 17' },
      'the gcloud component pubsub-emulator is not installed',
    ],
    [
      'no java',
      { gcloud: `${GCLOUD_VERSION}\npubsub-emulator 0.8.20`, java: false },
      'java is not installed',
    ],
  ])('names what is missing: %s', (_, tools, reason) => {
    expect(emulatorMissing(probeWith(tools))).toContain(reason);
  });

  it('finds nothing missing with gcloud, its pubsub-emulator component and java', () => {
    const tools = { gcloud: `${GCLOUD_VERSION}\npubsub-emulator 0.8.20`, java: 'openjdk 17' };

    expect(emulatorMissing(probeWith(tools))).toBeUndefined();
  });
});

describe('decideEmulator', () => {
  it.each([
    [undefined, {}, { action: 'run' }],
    [undefined, { CI: 'true' }, { action: 'run' }],
    ['java is not installed', {}, { action: 'skip', reason: 'java is not installed' }],
    ['java is not installed', { CI: 'false' }, { action: 'skip', reason: 'java is not installed' }],
  ])('with %j missing and env %j decides %j', (missing, env, decision) => {
    expect(decideEmulator(missing, env)).toEqual(decision);
  });

  it('fails under CI=true and says why', () => {
    const decision = decideEmulator('java is not installed', { CI: 'true' });

    expect(decision.action).toBe('fail');
    expect(decision).toMatchObject({ reason: expect.stringContaining('java is not installed') });
    expect(decision).toMatchObject({ reason: expect.stringContaining('CI=true') });
  });
});

/** A runner that records what whenEmulator registers, and runs it when asked. */
function recordingRunner() {
  const tests: Array<{ name: string; skipped: boolean; body: () => void }> = [];
  const it = Object.assign(
    (name: string, body: () => void) => tests.push({ name, skipped: false, body }),
    { skip: (name: string, body: () => void) => tests.push({ name, skipped: true, body }) },
  );
  const runner: SkippingRunner = { describe: (_, body) => body(), it };

  return { runner, tests };
}

describe('whenEmulator', () => {
  const missing = () => 'the gcloud component pubsub-emulator is not installed';

  it('registers a failing test with the reason under CI=true', () => {
    const { runner, tests } = recordingRunner();
    const lines: string[] = [];
    const runs = whenEmulator(runner, 'Pub/Sub suite', {
      env: { CI: 'true' },
      missing,
      report: (line) => lines.push(line),
    });

    expect(runs).toBe(false);
    expect(tests).toHaveLength(1);
    expect(tests[0]?.skipped).toBe(false);
    expect(() => tests[0]?.body()).toThrow(
      /Pub\/Sub suite cannot run: the gcloud component pubsub-emulator is not installed; CI/,
    );
    expect(lines.join('')).toContain('failing Pub/Sub suite');
  });

  it('registers a skipped test and prints the reason elsewhere', () => {
    const { runner, tests } = recordingRunner();
    const lines: string[] = [];
    const runs = whenEmulator(runner, 'Pub/Sub suite', {
      env: {},
      missing,
      report: (line) => lines.push(line),
    });

    expect(runs).toBe(false);
    expect(tests.map((test) => [test.skipped, test.name])).toEqual([
      [true, 'skipped: the gcloud component pubsub-emulator is not installed'],
    ]);
    expect(lines.join('')).toContain('skipping Pub/Sub suite');
  });

  it('registers nothing when the emulator can run', () => {
    const { runner, tests } = recordingRunner();

    expect(
      whenEmulator(runner, 'Pub/Sub suite', { env: { CI: 'true' }, missing: () => undefined }),
    ).toBe(true);
    expect(tests).toHaveLength(0);
  });
});

// A stand-in for gcloud and its Java child: a shell with a background process, in one group.
const WORKER = `
const { spawnGroup } = await import(process.argv[1]);
const group = spawnGroup('sh', ['-c', 'sleep 300 & sleep 300'], { stdio: 'ignore' });
process.stdout.write(group.pid + '\\n');
if (process.argv[2] === 'crash') setTimeout(() => { throw new Error('the worker crashed'); }, 50);
`;

async function startWorker(how: 'crash' | 'wait') {
  const url = new URL('./support/process-group.mjs', import.meta.url).href;
  const worker = spawn(process.execPath, ['--input-type=module', '-e', WORKER, url, how], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const [line] = (await once(worker.stdout, 'data')) as [Buffer];
  const exited = once(worker, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;

  return { worker, pgid: Number(line.toString('utf8').trim()), exited };
}

async function gone(pgid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (!groupAlive(pgid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  return !groupAlive(pgid);
}

describe.skipIf(process.platform !== 'linux')('process groups outlive no worker', () => {
  it('are killed when the worker dies of an uncaught error', async () => {
    const { pgid, exited } = await startWorker('crash');

    expect(groupAlive(pgid)).toBe(true);
    expect((await exited)[0]).toBe(1);
    expect(await gone(pgid, 2000)).toBe(true);
  });

  it('are killed on SIGTERM, which then still ends the worker', async () => {
    const { worker, pgid, exited } = await startWorker('wait');
    worker.kill('SIGTERM');

    expect((await exited)[1]).toBe('SIGTERM');
    expect(await gone(pgid, 2000)).toBe(true);
  });

  it('are killed by the watchdog when the worker gets SIGKILL', async () => {
    const { worker, pgid, exited } = await startWorker('wait');
    worker.kill('SIGKILL');
    await exited;

    expect(await gone(pgid, 5000)).toBe(true);
  });
});
