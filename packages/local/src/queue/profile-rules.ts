import {
  InvalidConfigError,
  InvalidMessageError,
  type LimitProfile,
  type SendOptions,
  UnsupportedError,
} from '@cloudport/core';
import type { QueueSettings } from './options.js';

/**
 * The most messages one receive returns under a profile, and whether a larger request is cut
 * down to it (as the SQS queue does) or refused (as the Pub/Sub queue does).
 */
export interface ReceiveCeiling {
  max: number;
  over: 'clamp' | 'refuse';
}

// SQS ReceiveMessage takes MaxNumberOfMessages 1 to 10; the SQS queue cuts larger asks to 10.
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html
// Pub/Sub pull returns at most 1,000 messages; the Pub/Sub queue refuses larger asks.
// https://cloud.google.com/pubsub/docs/reference/rest/v1/projects.subscriptions/pull
// Service Bus receiveMessages documents no ceiling, so the azure profile sets none.
const RECEIVE_CEILINGS: Record<LimitProfile, ReceiveCeiling | undefined> = {
  aws: { max: 10, over: 'clamp' },
  gcp: { max: 1000, over: 'refuse' },
  azure: undefined,
};

/** The receive ceiling of a profile, or undefined when it has none. */
export function receiveCeiling(profile: LimitProfile | undefined): ReceiveCeiling | undefined {
  return profile === undefined ? undefined : RECEIVE_CEILINGS[profile];
}

// SQS names: 1-256 of [A-Za-z0-9_.-], no leading, trailing or double period, no AWS./Amazon.
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html
const SQS_NAME = /^[A-Za-z0-9_-](?:[A-Za-z0-9_.-]{0,254}[A-Za-z0-9_-])?$/;
const SQS_RESERVED = /^(?:aws|amazon)\./i;
// SQS FIFO message group and deduplication ids: 1 to 128 printable ASCII characters.
const FIFO_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * Applies the rules of the queue's profile that are not sizes: which send options the provider
 * has at all, and the attribute names it takes. Raises the codes the provider's queue raises.
 */
export function checkProfileRules(
  settings: QueueSettings,
  options: SendOptions,
  label: string,
): void {
  const { profile } = settings;
  if (profile === undefined) return;
  for (const name of Object.keys(options.attributes ?? {})) checkName(settings, name, label);
  if (profile === 'gcp' && options.deduplicationId !== undefined) {
    throw unsupported(
      settings,
      'queue.deduplication',
      'Pub/Sub has no deduplication id at publish time; make the handler idempotent on the ' +
        'message id or on a field of the body',
    );
  }
  if (profile === 'aws') checkSqs(settings, options, label);
}

function checkSqs(settings: QueueSettings, options: SendOptions, label: string): void {
  const { orderingKey, deduplicationId, delaySeconds } = options;
  if (!settings.fifo) {
    if (delaySeconds !== undefined && !Number.isSafeInteger(delaySeconds)) {
      throw new InvalidConfigError(
        `Send to queue ${settings.name}: delaySeconds ${delaySeconds} of ${label} is not a ` +
          'whole number of seconds, as SQS requires; round it.',
        { provider: 'local' },
      );
    }
    const what = orderingKey !== undefined ? 'an ordering key' : 'a deduplication id';
    const feature = orderingKey !== undefined ? 'queue.ordering-key' : 'queue.deduplication';
    if (orderingKey === undefined && deduplicationId === undefined) return;
    throw unsupported(
      settings,
      feature,
      `a standard SQS queue cannot honour ${what}; open the local queue with fifo: true to ` +
        'simulate a FIFO queue',
    );
  }
  if (delaySeconds !== undefined && delaySeconds !== 0) {
    throw unsupported(
      settings,
      'queue.delay',
      'SQS delays FIFO messages only queue-wide; send without delaySeconds',
    );
  }
  for (const [field, value] of [
    ['orderingKey', orderingKey],
    ['deduplicationId', deduplicationId],
  ] as const) {
    if (value === undefined || FIFO_ID.test(value)) continue;
    throw new InvalidConfigError(
      `Send to queue ${settings.name}: ${field} ${JSON.stringify(value)} of ${label} is not ` +
        '1 to 128 printable ASCII characters without spaces, as SQS requires; fix it.',
      { provider: 'local' },
    );
  }
}

function checkName(settings: QueueSettings, name: string, label: string): void {
  const attribute = `attribute name ${JSON.stringify(name)} of ${label}`;
  const where = `Send to queue ${settings.name}: ${attribute}`;
  if (settings.profile === 'aws') {
    if (SQS_NAME.test(name) && !name.includes('..') && !SQS_RESERVED.test(name)) return;
    throw new InvalidMessageError(
      `${where} is not valid on SQS (1-256 letters, digits, "_", "-" or ".", no leading, ` +
        'trailing or double period, no AWS./Amazon. prefix); rename it.',
      { provider: 'local' },
    );
  }
  if (settings.profile === 'gcp') {
    if (name !== '' && !/^goog/i.test(name)) return;
    throw new InvalidConfigError(
      `${where} is not allowed on Pub/Sub: names must be non-empty and not start with "goog".`,
      { provider: 'local' },
    );
  }
  if (name === '') {
    throw new InvalidConfigError(`${where} is empty; Service Bus properties need a name.`, {
      provider: 'local',
    });
  }
}

function unsupported(settings: QueueSettings, feature: string, detail: string): UnsupportedError {
  return new UnsupportedError(
    feature,
    `Queue ${settings.name} under the ${settings.profile} profile: ${detail}.`,
    { provider: 'local' },
  );
}
