import assert from 'node:assert/strict';
import {
  type CapabilityDeclaration,
  type DeadLetterRecord,
  FEATURES,
  type FeatureId,
  type Pipeline,
  supports,
} from '@cloudport/core';
import {
  defineHttpAndMalformed,
  defineObjectCases,
  defineQueueCases,
  defineScheduleCases,
  type WithHarness,
} from './adapter-cases.js';
import {
  conformancePipeline,
  HANDLER_PROBES,
  type ProbeResults,
  type Seen,
} from './adapter-pipeline.js';
import type { TestRunner } from './runner.js';

export { conformancePipeline } from './adapter-pipeline.js';

/** Facts of an object event, from which a harness builds the platform's own event. */
export interface ObjectFact {
  type: 'created' | 'deleted';
  /** The bucket's logical name; the harness maps it to the physical one it bound. */
  bucket: string;
  key: string;
  size?: number;
  etag?: string;
}

/** Facts of one queue message, from which a harness builds the platform's delivery. */
export interface MessageFact {
  messageId: string;
  /** The body as the queue's declared kind types it. */
  body: unknown;
  attributes?: Record<string, string>;
  deliveryCount?: number;
}

/** How the platform treats a unit after the invocation: acknowledged, or failed and redelivered. */
export type PlatformOutcome = 'acknowledged' | 'failed';

/** Where an object event whose handler always fails ended once its retries ran out. */
export interface ExhaustedObjectEvent {
  /** The platform outcome of each delivery, first to last. */
  outcomes: PlatformOutcome[];
  /** Dead letters that hold the event now (bound queue or the runtime's own), with reasons. */
  deadLetters: Array<{ key: string; reason: string }>;
  /**
   * Where the platform itself sets the event aside after a last failed delivery, when the
   * adapter leaves that to it (a Lambda on-failure destination, Event Grid dead-lettering).
   */
  platform?: string;
}

/**
 * What an adapter provides to be tested: it builds platform inputs from facts, runs them
 * through the adapter's real entry point, and reads the platform result back.
 */
export interface AdapterHarness<Input = unknown, Output = unknown> {
  objectInput(fact: ObjectFact): Input;
  messageInput(queue: string, messages: MessageFact[]): Input;
  scheduleInput(time: string): Input;
  /** Inputs that are not valid events for a trigger of this kind. */
  malformedInputs(kind: 'object' | 'queue' | 'schedule'): Input[];
  /** Runs one invocation; a rejected invocation resolves to the error. */
  run(functionName: string, input: Input): Promise<Output | Error>;
  /** The platform's view of each unit of `input` after the invocation returned `output`. */
  outcomes(input: Input, output: Output | Error): PlatformOutcome[];
  http(functionName: string, request: Request): Promise<Response>;
  /** Records the bound dead-letter queue received. */
  deadLetters(queue: string): Promise<DeadLetterRecord[]>;
  /**
   * Delivers an object event (through `functionName`, whose handler always fails) the way the
   * platform does until its retries run out, and says where the event ended. Required when
   * the adapter declares object triggers.
   */
  exhaustObjectRetries?(functionName: string, fact: ObjectFact): Promise<ExhaustedObjectEvent>;
  close?(): Promise<void>;
}

/** Options of {@link adapterConformance}. */
export interface AdapterConformanceOptions {
  name: string;
  capabilities: CapabilityDeclaration;
  /** Binds the suite's pipeline on the platform (or its test servers) and returns a harness. */
  createHarness(pipeline: Pipeline): Promise<AdapterHarness<unknown, unknown>>;
}

const TRIGGER_FUNCTIONS: Partial<Record<FeatureId, string>> = {
  'trigger.object-created': 'created',
  'trigger.object-deleted': 'deleted',
  'trigger.queue': 'jobs',
  'trigger.http': 'web',
  'trigger.schedule': 'tick',
};

/**
 * The adapter conformance suite: decoding of every trigger, every outcome, invalid input,
 * an HTTP round trip, and the capability declaration held to account: every feature of
 * core's list declared, and features declared `no` refused with UNSUPPORTED where the suite
 * can reach them. Assertions use `node:assert/strict`, so any runner works.
 *
 * @example
 * adapterConformance({ describe, it }, {
 *   name: 'my adapter', capabilities, createHarness: (pipeline) => myHarness(pipeline),
 * });
 */
export function adapterConformance(runner: TestRunner, options: AdapterConformanceOptions): void {
  const { describe, it } = runner;
  const { capabilities } = options;
  const can = (feature: FeatureId) => supports(capabilities, feature);
  const withHarness: WithHarness = (fn) => async () => {
    const seen: Seen = new Map();
    const probes: ProbeResults = new Map();
    const pipeline = conformancePipeline(seen, { capabilities, probes });
    const harness = await options.createHarness(pipeline);
    try {
      await fn({ seen, probes, harness });
    } finally {
      await harness.close?.();
    }
  };

  describe(`${options.name}: adapter conformance`, () => {
    it('declares every feature of the capability list, with a note unless fully supported', () => {
      const declared = capabilities.features as Partial<CapabilityDeclaration['features']>;
      const missing = FEATURES.filter((feature) => declared[feature.id] === undefined);
      assert.deepEqual(
        missing.map((feature) => feature.id),
        [],
        'features the declaration leaves out',
      );
      for (const [feature, support] of Object.entries(capabilities.features)) {
        assert.ok(['yes', 'partial', 'no'].includes(support.support), feature);
        if (support.support !== 'yes') assert.ok(support.note, `${feature} needs a note`);
      }
    });

    if (can('trigger.object-created')) defineObjectCases(runner, can, withHarness);
    if (can('trigger.queue')) defineQueueCases(runner, can, withHarness);
    if (can('trigger.schedule')) defineScheduleCases(runner, can, withHarness);
    defineHttpAndMalformed(runner, can, withHarness);
    defineDeclaredNo(runner, options, withHarness);
  });
}

/** Features declared `no` that the suite can reach raise UNSUPPORTED. */
function defineDeclaredNo(
  runner: TestRunner,
  options: AdapterConformanceOptions,
  withHarness: WithHarness,
): void {
  const { it } = runner;
  const no = (feature: FeatureId) => !supports(options.capabilities, feature);
  const refuses = async (
    pipeline: Pipeline,
    use: (harness: AdapterHarness) => Promise<unknown>,
  ) => {
    let harness: AdapterHarness | undefined;
    try {
      harness = await options.createHarness(pipeline);
    } catch (error) {
      assert.equal((error as { code?: unknown }).code, 'UNSUPPORTED', `binding: ${error}`);
      return;
    }
    try {
      const result = await use(harness).catch((error: unknown) => error);
      assert.equal(
        (result as { code?: unknown } | null)?.code,
        'UNSUPPORTED',
        `neither binding nor running it raised UNSUPPORTED: ${String(result)}`,
      );
    } finally {
      await harness.close?.();
    }
  };

  for (const [feature, fn] of Object.entries(TRIGGER_FUNCTIONS) as Array<[FeatureId, string]>) {
    if (!no(feature)) continue;
    it(`${feature} is declared unsupported, so a function with it raises UNSUPPORTED`, async () => {
      const pipeline = conformancePipeline(new Map(), { only: [fn] });
      await refuses(pipeline, (harness) => {
        if (fn === 'web')
          return harness.http(fn, new Request('http://fn.test/echo', { method: 'POST' }));
        if (fn === 'tick') return harness.run(fn, harness.scheduleInput('2026-03-01T02:00:00Z'));
        if (fn === 'jobs') {
          return harness.run(
            fn,
            harness.messageInput('conf-jobs', [{ messageId: 'm', body: { action: 'ok' } }]),
          );
        }
        const type = fn === 'created' ? 'created' : 'deleted';
        return harness.run(fn, harness.objectInput({ type, bucket: 'conf-in', key: 'in/a' }));
      });
    });
  }

  if (no('outcome.dead-letter') && !no('trigger.queue')) {
    it('outcome.dead-letter unsupported: a dead-letter binding raises UNSUPPORTED', async () => {
      const pipeline = conformancePipeline(new Map(), { only: ['jobs'] });
      await refuses(pipeline, (harness) =>
        harness.run(
          'jobs',
          harness.messageInput('conf-jobs', [{ messageId: 'd', body: { action: 'dead' } }]),
        ),
      );
    });
  }

  if (no('trigger.queue')) return;
  for (const feature of Object.keys(HANDLER_PROBES) as FeatureId[]) {
    if (!no(feature)) continue;
    it(
      `${feature} is declared unsupported, so a handler using it gets UNSUPPORTED`,
      withHarness(async ({ probes, harness }) => {
        const input = harness.messageInput('conf-jobs', [
          { messageId: `probe-${feature}`, body: { action: 'probe', feature } },
        ]);
        await harness.run('jobs', input);
        assert.ok(probes.has(feature), 'the probe handler did not run');
        const caught = probes.get(feature) as { code?: unknown } | null;
        assert.equal(
          caught?.code,
          'UNSUPPORTED',
          `the handler's ${feature} call gave ${String(caught)}`,
        );
      }),
    );
  }
}
