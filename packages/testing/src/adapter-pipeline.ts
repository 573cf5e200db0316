import { Readable } from 'node:stream';
import {
  bucket,
  type CapabilityDeclaration,
  type DeadLetterRecord,
  deadLetter,
  defineFunction,
  definePipeline,
  type FeatureId,
  type FunctionOptions,
  type NeutralEvent,
  onHttp,
  onMessage,
  onObjectCreated,
  onObjectDeleted,
  onSchedule,
  type Pipeline,
  queue,
  supports,
} from '@cloudport/core';

/** The events the suite's handlers saw, by function name. */
export type Seen = Map<string, NeutralEvent[]>;

/** What a probe handler caught, by feature: the error, or `null` when the call succeeded. */
export type ProbeResults = Map<string, unknown>;

/** The body of a `conf-jobs` message: what the handler should do with it. */
export interface JobBody {
  action: 'ok' | 'retry' | 'dead' | 'probe';
  n?: number;
  /** With `probe`: the feature whose use the handler tries. */
  feature?: string;
}

const input = bucket('conf-in');
const jobs = queue<JobBody>('conf-jobs');
const texts = queue('conf-text', { body: 'text' });
const bytes = queue('conf-bytes', { body: 'bytes' });
const dead = queue<DeadLetterRecord>('conf-dead');

/**
 * Uses of each store and queue feature from inside a handler, through the adapter's own
 * bindings: a feature the adapter declares `no` must raise UNSUPPORTED there, before any
 * request goes out.
 */
export const HANDLER_PROBES: Partial<Record<FeatureId, () => Promise<unknown>>> = {
  'store.range-read': () => input.get('probe/ranged', { range: { start: 0, end: 1 } }),
  'store.stream-write': () => input.put('probe/streamed', Readable.from([Buffer.from('x')])),
  'store.metadata': () => input.put('probe/meta', 'x', { metadata: { probe: 'yes' } }),
  'store.create-only': () => input.put('probe/once', 'x', { createOnly: true }),
  'store.if-match': () => input.put('probe/versioned', 'x', { ifMatch: '"probe"' }),
  'store.list': () => input.list({ prefix: 'probe/' }),
  'store.copy': () => input.copy('probe/source', 'probe/target'),
  'store.signed-url': () => input.signedUrl('probe/signed'),
  'queue.batch-send': () => jobs.sendBatch([{ body: { action: 'ok' } }]),
  'queue.attributes': () => jobs.send({ action: 'ok' }, { attributes: { probe: 'yes' } }),
  'queue.delay': () => jobs.send({ action: 'ok' }, { delaySeconds: 1 }),
  'queue.ordering-key': () => jobs.send({ action: 'ok' }, { orderingKey: 'probe' }),
  'queue.deduplication': () => jobs.send({ action: 'ok' }, { deduplicationId: 'probe-1' }),
};

/** The action of a schedule firing, by its UTC hour: 3 fails, 4 dead-letters, others pass. */
export function scheduleAction(time: string): string {
  const hour = new Date(time).getUTCHours();

  return hour === 3 ? 'retry' : hour === 4 ? 'dead' : 'ok';
}

/** Options of {@link conformancePipeline}. */
export interface ConformancePipelineOptions {
  /** Leaves out the functions of triggers declared `no`, and dead-letter bindings if `no`. */
  capabilities?: CapabilityDeclaration;
  /** Where `probe` messages record what they caught. */
  probes?: ProbeResults;
  /** Keeps only these functions. */
  only?: ReadonlyArray<string>;
}

/**
 * Builds the pipeline the adapter suite runs: every trigger kind, every outcome. Handlers
 * act on what the event carries: an object key or a message action containing `retry`
 * throws, one containing `dead` dead-letters; schedule firings act by their hour.
 */
export function conformancePipeline(
  seen: Seen,
  options: ConformancePipelineOptions = {},
): Pipeline {
  const can = (feature: FeatureId) =>
    !options.capabilities || supports(options.capabilities, feature);
  const deadLetterTo = can('outcome.dead-letter') ? { deadLetter: dead } : {};
  const record = (fn: string, event: NeutralEvent) => {
    seen.set(fn, [...(seen.get(fn) ?? []), event]);
  };
  const act = (fn: string, event: NeutralEvent, action: string) => {
    record(fn, event);
    if (action.includes('retry')) throw new Error(`asked to fail ${event.id}`);
    if (action.includes('dead')) deadLetter(`asked to dead-letter ${event.id}`);
  };
  const probe = async (feature: string) => {
    const use = HANDLER_PROBES[feature as FeatureId];
    const caught = use
      ? await use().then(
          () => null,
          (error: unknown) => error,
        )
      : 'no probe';
    options.probes?.set(feature, caught);
  };
  const functions: Record<string, FunctionOptions> = {
    created: defineFunction({
      trigger: onObjectCreated(input, { prefix: 'in/' }),
      ...deadLetterTo,
      handler: (event) => act('created', event, event.key),
    }),
    deleted: defineFunction({
      trigger: onObjectDeleted(input),
      handler: (event) => record('deleted', event),
    }),
    jobs: defineFunction({
      trigger: onMessage(jobs, { batchSize: 10, concurrency: 1 }),
      ...deadLetterTo,
      handler: async (message) => {
        if (message.body.action === 'probe') return probe(message.body.feature ?? '');
        act('jobs', message, message.body.action);
      },
    }),
    texts: defineFunction({
      trigger: onMessage(texts),
      handler: (message) => act('texts', message, message.body),
    }),
    bytes: defineFunction({
      trigger: onMessage(bytes),
      handler: (message) => record('bytes', message),
    }),
    web: defineFunction({
      trigger: onHttp('POST', '/echo'),
      handler: async (request) => {
        const body = new Uint8Array(await request.arrayBuffer()).reverse();
        const headers = new Headers({ 'content-type': 'application/octet-stream' });
        headers.set('x-conf-query', new URL(request.url).searchParams.get('q') ?? '');
        headers.append('set-cookie', 'a=1; Path=/');
        headers.append('set-cookie', 'b=2; Path=/');
        return new Response(body, { status: 201, headers });
      },
    }),
    tick: defineFunction({
      trigger: onSchedule('0 2 * * *'),
      ...deadLetterTo,
      handler: (event) => act('tick', event, scheduleAction(event.time)),
    }),
  };
  const triggerOf: Record<string, FeatureId> = {
    created: 'trigger.object-created',
    deleted: 'trigger.object-deleted',
    jobs: 'trigger.queue',
    texts: 'trigger.queue',
    bytes: 'trigger.queue',
    web: 'trigger.http',
    tick: 'trigger.schedule',
  };
  const kept = Object.entries(functions).filter(
    ([name]) => can(triggerOf[name] as FeatureId) && (!options.only || options.only.includes(name)),
  );

  return definePipeline('conformance', Object.fromEntries(kept));
}
