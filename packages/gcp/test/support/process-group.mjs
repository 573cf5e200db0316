// Process groups that must not outlive the test worker that started them, such as the Pub/Sub
// emulator: gcloud starts a Java server, and a worker that crashes or is killed would otherwise
// leave both running. Plain JavaScript, so that a bare `node` child can load it in tests.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** @typedef {import('node:child_process').ChildProcess} ChildProcess */

/** Leaders of the groups still running, with the watchdog of each. */
const running = new Map();
const SIGNALS = /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP']);
let hooked = false;

// A detached shell that polls the worker and kills the group once the worker is gone: the one
// guard that also holds when the worker gets SIGKILL, which no handler sees.
const WATCHDOG = 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; kill -KILL -"$2" 2>/dev/null';

/**
 * Spawns `command` as the leader of a new process group, which is killed when this process
 * exits (normally, by an uncaught error, or by SIGINT, SIGTERM or SIGHUP) or is killed outright.
 * Call {@link stopGroup} to end it earlier.
 *
 * @param {string} command
 * @param {string[]} args
 * @param {import('node:child_process').SpawnOptions} [options]
 * @returns {ChildProcess}
 */
export function spawnGroup(command, args, options = {}) {
  hookExit();
  const child = spawn(command, args, { ...options, detached: true });
  if (child.pid === undefined) return child;
  const watchdog = spawn(
    'sh',
    ['-c', WATCHDOG, 'watchdog', String(process.pid), String(child.pid)],
    {
      detached: true,
      stdio: 'ignore',
    },
  );
  watchdog.unref();
  running.set(child.pid, watchdog);

  return child;
}

/**
 * Ends the group `child` leads: SIGTERM, then SIGKILL after `graceMs`, and SIGKILL once more
 * for any member still there after the leader exits.
 *
 * @param {ChildProcess} child
 * @param {number} [graceMs]
 */
export async function stopGroup(child, graceMs = 5000) {
  const pid = child.pid;
  if (pid === undefined) return;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    signalGroup(pid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
  // gcloud may exit before its Java child.
  signalGroup(pid, 'SIGKILL');
  release(pid);
}

/**
 * True while any process of group `pgid` runs (zombies, which nothing reaps here, do not count).
 * Reads /proc, so it works on Linux only.
 *
 * @param {number} pgid
 */
export function groupAlive(pgid) {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z') return true;
  }

  return false;
}

/** @param {number} pid @param {NodeJS.Signals} signal */
function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

/** @param {number} pid */
function release(pid) {
  const watchdog = running.get(pid);
  running.delete(pid);
  if (watchdog?.pid !== undefined && watchdog.exitCode === null) {
    try {
      process.kill(watchdog.pid, 'SIGKILL');
    } catch {
      // It has finished.
    }
  }
}

function killAll() {
  for (const pid of [...running.keys()]) {
    signalGroup(pid, 'SIGKILL');
    release(pid);
  }
}

/** @param {NodeJS.Signals} signal */
function onSignal(signal) {
  killAll();
  process.removeListener(signal, onSignal);
  // Without other listeners, the signal's default action (ending the process) is what the
  // sender asked for: raise it again now that this listener is gone.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function hookExit() {
  if (hooked) return;
  hooked = true;
  process.once('exit', killAll);
  for (const signal of SIGNALS) process.on(signal, onSignal);
}
