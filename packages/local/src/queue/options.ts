import { isAbsolute } from 'node:path';
import {
  type BodyKind,
  createJsonLogger,
  InvalidConfigError,
  type LimitProfile,
  type Logger,
  PROVIDER_LIMITS,
  type QueueLimits,
  type ReceiveOptions,
  resolveLogger,
} from '@cloudport/core';
import { defaultDir } from '../default-dir.js';
import { SpareFiles } from '../spare-files.js';
import { type ReceiveCeiling, receiveCeiling } from './profile-rules.js';

/** Options of {@link openLocalQueue}. */
export interface LocalQueueOptions {
  /**
   * Absolute path of the queue's folder; created when missing. One process owns it at a time.
   * Defaults to `.cloudport/queues/<name>` under the working directory, where the local runtime
   * keeps the queue of that name.
   */
  dir?: string;
  /** The queue's logical name, used in errors and logs; any text, not checked as a name. */
  name: string;
  /** How bodies are typed and stored. */
  body: BodyKind;
  /** Deliveries before a failing message is dead-lettered instead of redelivered. Defaults to 5. */
  maxAttempts?: number;
  /**
   * Seconds a received message stays hidden before it is delivered again. Defaults to 30.
   * Fractions are allowed, which keeps tests short.
   */
  visibilityTimeoutSeconds?: number;
  /**
   * Enforce this provider's queue limits before writing: message and attribute sizes, send
   * delays, batch sizes (batches are split), visibility timeout and attempt bounds.
   */
  profile?: LimitProfile;
  /**
   * With the `aws` profile, simulate an SQS FIFO queue instead of a standard one: ordering
   * keys and deduplication ids are accepted and per-message delays raise `UNSUPPORTED`, while
   * a standard queue (the default) raises `UNSUPPORTED` for ordering keys and deduplication
   * ids. SQS tells the two apart by a `.fifo` name suffix, which the portable name grammar
   * does not allow, hence this option. Other profiles refuse it with `INVALID_CONFIG`.
   */
  fifo?: boolean;
  /**
   * Spare files to write new message files into, and to keep the files of completed messages
   * in instead of deleting them; see `SpareFiles`. The local runtime shares one pool among
   * its queues and stores.
   */
  spares?: SpareFiles;
  /**
   * Receives warnings and errors (a stale lock taken over, an unreadable file dead-lettered,
   * a file operation that failed and is retried). Unset writes warnings and errors as JSON
   * lines to standard error; `false` is silent.
   */
  logger?: Logger | false;
}

/** Options after validation, with defaults filled in. */
export interface QueueSettings {
  dir: string;
  name: string;
  body: BodyKind;
  maxAttempts: number;
  visibilityTimeoutMs: number;
  profile: LimitProfile | undefined;
  limits: QueueLimits | undefined;
  /** True when the `aws` profile simulates a FIFO queue. */
  fifo: boolean;
  /** The most messages one receive returns under the profile. */
  receive: ReceiveCeiling | undefined;
  spares: SpareFiles | undefined;
  logger: Logger;
}

/** Deliveries a message gets when `maxAttempts` is not set. */
export const DEFAULT_MAX_ATTEMPTS = 5;
/** Visibility timeout when `visibilityTimeoutSeconds` is not set. */
export const DEFAULT_VISIBILITY_TIMEOUT_SECONDS = 30;

const BODY_KINDS: ReadonlyArray<BodyKind> = ['json', 'text', 'bytes'];

/** Checks the options of a local queue up front and fills in defaults. */
export function resolveQueueOptions(options: LocalQueueOptions): QueueSettings {
  const { name, body, profile } = options;
  const dir = options.dir === undefined ? defaultDir('queues', name) : options.dir;
  if (typeof dir !== 'string' || !isAbsolute(dir)) {
    throw invalid(`dir ${JSON.stringify(dir)} is not an absolute path; resolve it first.`);
  }
  if (typeof name !== 'string' || name.length === 0) {
    throw invalid(`name ${JSON.stringify(name)} must be a non-empty string.`);
  }
  if (!BODY_KINDS.includes(body)) {
    throw invalid(`body ${JSON.stringify(body)} must be one of 'json', 'text' or 'bytes'.`);
  }
  if (profile !== undefined && !Object.hasOwn(PROVIDER_LIMITS, profile)) {
    throw invalid(`profile ${JSON.stringify(profile)} must be one of 'aws', 'gcp' or 'azure'.`);
  }
  const limits = profile === undefined ? undefined : PROVIDER_LIMITS[profile].queue;
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1) {
    throw invalid(`maxAttempts ${maxAttempts} must be a whole number of at least 1.`);
  }
  const visibility = options.visibilityTimeoutSeconds ?? DEFAULT_VISIBILITY_TIMEOUT_SECONDS;
  if (!Number.isFinite(visibility) || visibility <= 0) {
    throw invalid(`visibilityTimeoutSeconds ${visibility} must be a number of seconds above 0.`);
  }
  if (limits) checkProfile(name, profile as LimitProfile, limits, maxAttempts, visibility);
  if (options.spares !== undefined && !(options.spares instanceof SpareFiles)) {
    throw invalid(`spares of queue ${name} must come from SpareFiles.open().`);
  }
  const fifo = options.fifo ?? false;
  if (typeof fifo !== 'boolean' || (fifo && profile !== 'aws')) {
    throw invalid(
      `fifo ${JSON.stringify(fifo)} of queue ${name} applies only to the aws profile, which ` +
        'simulates SQS FIFO queues; leave it out or set profile to aws.',
    );
  }

  return {
    dir,
    name,
    body,
    maxAttempts,
    visibilityTimeoutMs: visibility * 1000,
    profile,
    limits,
    fifo,
    receive: receiveCeiling(profile),
    spares: options.spares,
    logger: resolveLogger(options.logger, defaultLogger),
  };
}

/** Warnings and errors as JSON lines on standard error, for queues opened without a logger. */
function defaultLogger(): Logger {
  const write = (line: string) => process.stderr.write(`${line}\n`);

  return createJsonLogger({ level: 'warn', write, fields: { component: 'cloudport-local-queue' } });
}

function checkProfile(
  name: string,
  profile: LimitProfile,
  limits: QueueLimits,
  maxAttempts: number,
  visibility: number,
): void {
  const { min, max } = limits.maxDeliveryAttempts;
  if (maxAttempts < min || maxAttempts > max) {
    throw invalid(
      `maxAttempts ${maxAttempts} of queue ${name} is outside what ${profile} allows ` +
        `(${min} to ${max}); choose a value in that range.`,
    );
  }
  if (visibility > limits.maxVisibilityTimeoutSeconds) {
    throw invalid(
      `visibilityTimeoutSeconds ${visibility} of queue ${name} is over the ${profile} ` +
        `maximum of ${limits.maxVisibilityTimeoutSeconds}; lower it.`,
    );
  }
}

function invalid(detail: string): InvalidConfigError {
  return new InvalidConfigError(`Local queue option ${detail}`, { provider: 'local' });
}

/** Receive options after validation. */
export interface ReceiveSettings {
  max: number;
  visibilityMs: number;
  waitMs: number;
}

/** Checks the options of one receive and fills in defaults from the queue's settings. */
export function resolveReceiveOptions(
  settings: QueueSettings,
  options: ReceiveOptions,
): ReceiveSettings {
  const asked = options.maxMessages ?? 1;
  const ceiling = settings.receive;
  const max = ceiling?.over === 'clamp' ? Math.min(asked, ceiling.max) : asked;
  const visibility = options.visibilityTimeoutSeconds;
  const waitMs = options.waitMs ?? 0;
  const most = settings.limits?.maxVisibilityTimeoutSeconds ?? Number.POSITIVE_INFINITY;
  let problem: string | undefined;
  if (!Number.isSafeInteger(max) || max < 1) problem = `maxMessages ${max} must be 1 or more`;
  else if (ceiling && max > ceiling.max) {
    problem = `maxMessages ${max} is over the ${settings.profile} maximum of ${ceiling.max}`;
  } else if (visibility !== undefined && !(visibility >= 0 && visibility <= most)) {
    problem = `visibilityTimeoutSeconds ${visibility} must be from 0 to ${most}`;
  } else if (!(waitMs >= 0 && Number.isFinite(waitMs))) {
    problem = `waitMs ${waitMs} must be 0 or more`;
  }
  if (problem) {
    throw new InvalidConfigError(`Receive from queue ${settings.name}: ${problem}.`, {
      provider: 'local',
    });
  }
  const visibilityMs = visibility === undefined ? settings.visibilityTimeoutMs : visibility * 1000;

  return { max, visibilityMs, waitMs };
}
