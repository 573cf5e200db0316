import {
  type Adapter,
  type Bindings,
  CloudportError,
  type Decoded,
  isCloudportError,
  type Pipeline,
  type PipelineFunction,
  type ResourceResolver,
  type Settled,
} from '@cloudport/core';
import { GCP_CAPABILITIES } from './capabilities.js';
import { PROVIDER } from './errors.js';
import { createGcpResolver, type GcpClientOptions } from './resolver.js';
import { invalid, toCloudEvent } from './triggers/cloud-event.js';
import { decodeObjectEvent, type ObjectTarget } from './triggers/object-storage.js';
import { topicIdOf } from './triggers/pubsub-envelope.js';
import { decodeQueueEvent, type QueueTarget } from './triggers/queue.js';
import { decodeScheduleEvent, scheduleTopicVariable } from './triggers/schedule.js';

/** One invocation as the registered functions hand it to the adapter. */
export type GcpInput =
  /** What functions-framework passed a `cloudEvent` function. */
  | { kind: 'cloudevent'; event: unknown }
  /** An `http` function's request, built only if the handler asks for it. */
  | { kind: 'http'; id: string; request: () => Request };

/**
 * How the invocation ends on the platform: acknowledged (2xx, the event is done) or failed
 * (the registered function throws, functions-framework answers 500 with `X-Google-Status:
 * error`, and Pub/Sub or Eventarc redelivers under the trigger's retry policy).
 */
export type GcpOutput =
  | { acknowledged: true; response?: Response | undefined }
  | { acknowledged: false; error: Error; response?: Response | undefined };

/** Options of {@link createGcpAdapter}. */
export interface GcpAdapterOptions extends GcpClientOptions {
  /** The deployment's bindings, read once at cold start (see core's `readBindings`). */
  bindings: Bindings;
  /** Used instead of the bindings' resolver, to run handlers against other stores and queues. */
  resolver?: ResourceResolver;
}

type Target =
  | { kind: 'object'; target: ObjectTarget }
  | { kind: 'queue'; target: QueueTarget }
  | { kind: 'schedule'; topic: string | undefined }
  | { kind: 'http' };

/**
 * The adapter behind {@link registerFunctions}: it decodes Eventarc CloudEvents (Cloud Storage,
 * Pub/Sub, Cloud Scheduler through Pub/Sub) and HTTP requests into units, and turns their
 * outcomes into an acknowledgement or a failure. Input that is no CloudEvent at all throws
 * `INVALID_EVENT`, so functions-framework answers it with an error status.
 *
 * @example
 * const adapter = createGcpAdapter({ bindings: readBindings() });
 * const output = await invoke({ adapter, pipeline, fn, input, resolver, logger, invocationId });
 */
export function createGcpAdapter(options: GcpAdapterOptions): Adapter<GcpInput, GcpOutput> {
  const { bindings } = options;
  const targets = new WeakMap<PipelineFunction, Target>();
  const targetOf = (fn: PipelineFunction): Target => {
    let target = targets.get(fn);
    if (!target) {
      target = planTarget(fn, bindings);
      targets.set(fn, target);
    }
    return target;
  };

  return {
    name: PROVIDER,
    capabilities: GCP_CAPABILITIES,
    decode: (fn, input) => decodeGcp(fn, input, targetOf(fn)),
    encode: (fn, settled) => encodeGcp(fn, settled),
    bind: (_pipeline: Pipeline) => options.resolver ?? createGcpResolver(bindings, options),
  };
}

function planTarget(fn: PipelineFunction, bindings: Bindings): Target {
  const { trigger } = fn;
  if (trigger.kind === 'object') {
    const physicalBucket = bindings.physical('bucket', trigger.bucket.name);
    return { kind: 'object', target: { trigger, physicalBucket } };
  }
  if (trigger.kind === 'queue') {
    const topic = topicIdOf(bindings.physical('queue', trigger.queue.name));
    return { kind: 'queue', target: { trigger, topic } };
  }
  if (trigger.kind === 'schedule') {
    const topic = bindings.variables.get(scheduleTopicVariable(fn.name));
    return { kind: 'schedule', topic: topic ? topicIdOf(topic) : undefined };
  }

  return { kind: trigger.kind };
}

function decodeGcp(fn: PipelineFunction, input: GcpInput, target: Target): Decoded[] {
  if (input.kind === 'http') return [{ id: input.id, request: input.request }];
  const event = toCloudEvent(input.event);
  switch (target.kind) {
    case 'object':
      return decodeObjectEvent(target.target, event);
    case 'queue':
      return decodeQueueEvent(target.target, event);
    case 'schedule': {
      const trigger = fn.trigger as Extract<PipelineFunction['trigger'], { kind: 'schedule' }>;
      const { topic } = target;
      return decodeScheduleEvent({ functionName: fn.name, trigger, topic, now: Date.now() }, event);
    }
    case 'http':
      throw invalid(`Function ${fn.name} answers HTTP requests; it takes no CloudEvents.`);
  }
}

function encodeGcp(fn: PipelineFunction, settled: Settled[]): GcpOutput {
  const response = settled[0]?.response;
  for (const unit of settled) {
    const { outcome } = unit;
    if (outcome.kind === 'retry') {
      const error =
        outcome.error instanceof Error ? outcome.error : new Error(String(outcome.error));
      return { acknowledged: false, error, response };
    }
    if (outcome.kind === 'dead-letter' && !outcome.forwarded) {
      // Keep the cause's code (INVALID_EVENT for input that does not fit the trigger).
      const code = isCloudportError(outcome.error) ? outcome.error.code : 'DEAD_LETTER';
      const error = new CloudportError(
        code,
        `Event ${unit.id} was set aside: ${outcome.reason.replace(/\.$/, '')}. Function ` +
          `${fn.name} binds no dead-letter queue, so the event fails instead: the subscription ` +
          'redelivers it and its dead-letter policy takes it after the last attempt.',
        { provider: PROVIDER, cause: outcome.error },
      );
      return { acknowledged: false, error, response };
    }
  }

  return { acknowledged: true, response };
}
