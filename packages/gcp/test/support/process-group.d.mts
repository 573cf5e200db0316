import type { ChildProcess, SpawnOptions } from 'node:child_process';

/**
 * Spawns `command` as the leader of a new process group, which is killed when this process
 * exits (normally, by an uncaught error, or by SIGINT, SIGTERM or SIGHUP) or is killed outright.
 */
export function spawnGroup(command: string, args: string[], options?: SpawnOptions): ChildProcess;

/** Ends the group `child` leads: SIGTERM, then SIGKILL after `graceMs` (default 5000). */
export function stopGroup(child: ChildProcess, graceMs?: number): Promise<void>;

/** True while any process of group `pgid` runs; zombies do not count. Linux only. */
export function groupAlive(pgid: number): boolean;
