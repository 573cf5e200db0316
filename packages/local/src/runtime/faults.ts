import { InvalidConfigError } from '@cloudport/core';

/**
 * Environment variable naming the test-only fault, in one of three forms:
 * `handled[:<function>]:<n>`, `ack[:<function>]:<n>` or `put[:<bucket>[:<key prefix>]]:<n>`.
 */
export const FAULT_VARIABLE = 'CLOUDPORT_FAULT';

/**
 * Points where a fault can end the process:
 * - `handled`: after the nth handler call succeeded, before its event is acknowledged
 *   (optionally counting only one function's calls);
 * - `ack`: after the nth event or message was acknowledged (optionally only one function's);
 * - `put`: after the nth object write was committed (optionally only in one bucket, and only
 *   for keys with a given prefix).
 */
export type FaultPoint = 'handled' | 'ack' | 'put';

/** A parsed fault: the point, what it is narrowed to, and the pass that ends the process. */
export interface FaultSpec {
  point: FaultPoint;
  /** The function (`handled`, `ack`) or bucket (`put`) counted; every one when absent. */
  scope?: string | undefined;
  /** Only `put`: only keys starting with this are counted. */
  prefix?: string | undefined;
  count: number;
}

/** Counts passes through fault points and kills the process at the configured one. */
export interface FaultHook {
  /** `scope` is the function for `handled` and `ack`, the bucket for `put`. */
  pass(point: FaultPoint, scope?: string, key?: string): void;
}

const NO_FAULT: FaultHook = { pass: () => {} };

/** Segments each point takes between its name and the count. */
const SCOPES: Readonly<Record<FaultPoint, readonly string[]>> = {
  handled: ['<function>'],
  ack: ['<function>'],
  put: ['<bucket>', '<key prefix>'],
};

const FORMS =
  'handled[:<function>]:<n>, ack[:<function>]:<n> and put[:<bucket>[:<key prefix>]]:<n>';

/**
 * Reads the fault from the environment once. For crash tests only: the process ends with
 * SIGKILL, as abruptly as a power cut of the process, leaving whatever was on disk.
 * A malformed value is `INVALID_CONFIG`, naming it.
 *
 * @example
 * CLOUDPORT_FAULT=handled:aggregate:25 cloudport run pipeline.ts  // dies before the 25th ack
 * CLOUDPORT_FAULT=put:reports:files/:2 cloudport run pipeline.ts
 */
export function readFault(
  env: Record<string, string | undefined> = process.env,
  kill: () => void = () => process.kill(process.pid, 'SIGKILL'),
): FaultHook {
  const spec = env[FAULT_VARIABLE];
  if (!spec) return NO_FAULT;
  const fault = parseFault(spec);
  let passes = 0;

  return {
    pass(at, scope, key) {
      if (at !== fault.point || (fault.scope !== undefined && scope !== fault.scope)) return;
      if (fault.prefix !== undefined && !key?.startsWith(fault.prefix)) return;
      passes += 1;
      if (passes >= fault.count) kill();
    },
  };
}

/** Parses a fault such as `ack:aggregate:7`; `INVALID_CONFIG` names what is wrong. */
export function parseFault(spec: string): FaultSpec {
  const [name = '', ...rest] = spec.split(':');
  const text = rest.pop() ?? '';
  if (!Object.hasOwn(SCOPES, name)) fail(spec, `names no fault point ${JSON.stringify(name)}`);
  const point = name as FaultPoint;
  const scopes = SCOPES[point];
  if (rest.length > scopes.length) {
    fail(
      spec,
      `has too many parts: ${point} takes at most ${scopes.join(' and ')} before the count`,
    );
  }
  if (rest.some((part) => part === '')) fail(spec, 'has an empty segment');
  const count = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(count) || count < 1) {
    fail(spec, `ends in ${JSON.stringify(text)}, not a count of at least 1`);
  }

  return { point, scope: rest[0], prefix: rest[1], count };
}

function fail(spec: string, problem: string): never {
  throw new InvalidConfigError(
    `${FAULT_VARIABLE}=${JSON.stringify(spec)} ${problem}; the forms are ${FORMS}.`,
    { provider: 'local' },
  );
}
