/** Environment variable naming the test-only fault: `<point>[:<bucket>[:<key prefix>]]:<n>`. */
export const FAULT_VARIABLE = 'CLOUDPORT_FAULT';

/**
 * Points where a fault can end the process:
 * - `handled`: after the nth handler call succeeded, before its event is acknowledged;
 * - `ack`: after the nth event or message was acknowledged;
 * - `put`: after the nth object write was committed (optionally only in one bucket, and only
 *   for keys with a given prefix).
 */
export type FaultPoint = 'handled' | 'ack' | 'put';

/** Counts passes through fault points and kills the process at the configured one. */
export interface FaultHook {
  pass(point: FaultPoint, bucket?: string, key?: string): void;
}

const NO_FAULT: FaultHook = { pass: () => {} };

/**
 * Reads the fault from the environment once. For crash tests only: the process ends with
 * SIGKILL, as abruptly as a power cut of the process, leaving whatever was on disk.
 *
 * @example
 * CLOUDPORT_FAULT=handled:25 cloudport run pipeline.ts   // dies before the 25th ack
 * CLOUDPORT_FAULT=put:reports:files/:2 cloudport run pipeline.ts
 */
export function readFault(env: Record<string, string | undefined> = process.env): FaultHook {
  const spec = env[FAULT_VARIABLE];
  if (!spec) return NO_FAULT;
  const parts = spec.split(':');
  const point = parts[0] as FaultPoint;
  const bucket = parts.length >= 3 ? parts[1] : undefined;
  const prefix = parts.length === 4 ? parts[2] : undefined;
  const limit = Number(parts.at(-1));
  if (
    !['handled', 'ack', 'put'].includes(point) ||
    !Number.isInteger(limit) ||
    limit < 1 ||
    parts.length > 4
  ) {
    throw new Error(
      `${FAULT_VARIABLE}=${spec} is not <handled|ack|put>[:bucket[:prefix]]:<count>.`,
    );
  }
  let count = 0;

  return {
    pass(at, atBucket, key) {
      if (at !== point || (bucket !== undefined && atBucket !== bucket)) return;
      if (prefix !== undefined && !key?.startsWith(prefix)) return;
      count += 1;
      if (count >= limit) process.kill(process.pid, 'SIGKILL');
    },
  };
}
