import type { HttpResponseInit, InvocationContext } from '@azure/functions';
import type {
  Adapter,
  Decoded,
  HttpTrigger,
  ObjectTrigger,
  Outcome,
  PipelineFunction,
  QueueTrigger,
  ResourceResolver,
  ScheduleTrigger,
  Settled,
} from '@cloudport/core';
import { AZURE_CAPABILITIES } from './capabilities.js';
import { type AzureSettings, functionSettings } from './settings.js';
import { decodeHttpRequest, toHttpResponse } from './triggers/http.js';
import { decodeBlobEvents, decodeBlobTrigger } from './triggers/object-storage.js';
import { decodeServiceBusBatch, decodeServiceBusMessage } from './triggers/queue.js';
import { decodeTimer } from './triggers/timer.js';

/** One invocation as the v4 library hands it to a handler: the trigger input and the context. */
export interface AzureInvocation {
  input: unknown;
  context: InvocationContext;
}

/** What a handler does with the settled units: return the HTTP response, or throw `failure`. */
export interface AzureResult {
  response?: HttpResponseInit;
  /** Set when the platform must see the invocation fail, so that it redelivers or abandons. */
  failure?: Error;
}

/**
 * The Azure Functions adapter: it decodes each trigger's input into units, and turns their
 * outcomes into the handler's result. A Service Bus message that was processed, or forwarded
 * to the bound dead-letter queue, completes (the handler returns); one to retry, or to
 * dead-letter with no queue bound, abandons (the handler throws), so the entity's
 * MaxDeliveryCount moves it to the dead-letter subqueue in the end. Event Grid and timer
 * invocations fail the same way and are redelivered by Event Grid or the timer's retry policy.
 */
export function createAzureAdapter(
  settings: AzureSettings,
  resolver: ResourceResolver,
  containers: ReadonlyMap<string, string>,
): Adapter<AzureInvocation, AzureResult> {
  const prefix = settings.routePrefix ? `/${settings.routePrefix}` : '';
  // Settings per function, worked out once rather than per invocation.
  const owned = new Map<string, ReturnType<typeof functionSettings>>();
  const settingsOf = (fn: PipelineFunction) => {
    let own = owned.get(fn.name);
    if (!own) {
      own = functionSettings(settings, fn);
      owned.set(fn.name, own);
    }
    return own;
  };

  return {
    name: 'azure',
    capabilities: AZURE_CAPABILITIES,
    bind: () => resolver,
    decode(fn, { input, context }): Decoded[] {
      const trigger = fn.trigger;
      const id = context.invocationId;
      if (trigger.kind === 'http') {
        const basePath = `${prefix}/${fn.name}`.toLowerCase();
        return [decodeHttpRequest(fn as PipelineFunction<HttpTrigger>, input, basePath, id)];
      }
      if (trigger.kind === 'schedule') {
        return [decodeTimer(fn as PipelineFunction<ScheduleTrigger>, input, id)];
      }
      const own = settingsOf(fn);
      if (trigger.kind === 'queue') {
        const queueFn = fn as PipelineFunction<QueueTrigger>;
        const metadata = context.triggerMetadata;
        return own.cardinality === 'many'
          ? decodeServiceBusBatch(queueFn, input, metadata, id)
          : [decodeServiceBusMessage(queueFn, input, metadata, id)];
      }
      const objectFn = fn as PipelineFunction<ObjectTrigger>;
      const container = containers.get(fn.name) ?? '';

      return own.objectSource === 'blob-trigger'
        ? decodeBlobTrigger(objectFn, context.triggerMetadata, container)
        : decodeBlobEvents(objectFn, input, container);
    },
    encode(fn, settled): AzureResult {
      if (fn.trigger.kind === 'http') return { response: toHttpResponse(settled[0]?.response) };
      if (!settled.some(failedUnit)) return {};

      return { failure: failureOf(settled.filter(failedUnit), settled.length) };
    },
  };
}

function failedUnit({ outcome }: Settled): boolean {
  return outcome.kind === 'retry' || (outcome.kind === 'dead-letter' && !outcome.forwarded);
}

function failureOf(failed: Settled[], total: number): Error {
  const errors = failed.map(({ outcome }) => errorOf(outcome));
  if (errors.length === 1 && total === 1) return errors[0] as Error;

  return new AggregateError(
    errors,
    `${failed.length} of ${total} units failed, so the whole invocation fails and is redelivered.`,
  );
}

function errorOf(outcome: Outcome): Error {
  const error = outcome.kind === 'processed' ? undefined : outcome.error;
  if (error instanceof Error) return error;
  if (outcome.kind === 'dead-letter') return new Error(outcome.reason);

  return new Error(String(error));
}
