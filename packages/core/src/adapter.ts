import type { CapabilityDeclaration } from './capabilities.js';
import type { InvalidEventError } from './errors.js';
import type { NeutralEvent } from './events.js';
import type { Outcome } from './outcomes.js';
import type { Pipeline, PipelineFunction } from './pipeline.js';
import type { ResourceResolver } from './resolver.js';

/** One unit of work decoded from a platform invocation. */
export type Decoded =
  | { id: string; event: NeutralEvent; orderingKey?: string | undefined }
  | { id: string; request: () => Request }
  | { id: string; error: InvalidEventError; raw: unknown };

/** A decoded unit with its outcome (and, for HTTP, the handler's response). */
export type Settled = Decoded & { outcome: Outcome; response?: Response | undefined };

/**
 * What an adapter implements to run pipelines on a platform. The official adapters and the
 * local runtime implement it; so can a custom adapter for another platform. The shared
 * {@link invoke} loop does the rest: handler calls, outcomes and dead-letter forwarding.
 *
 * @example
 * const myAdapter: Adapter<MyEvent, MyResult> = {
 *   name: 'my-cloud',
 *   capabilities,
 *   decode: (fn, input) =>
 *     input.records.map((record) => ({ id: record.id, event: toEvent(record) })),
 *   encode: (fn, settled) => ({ failed: settled.filter((s) => s.outcome.kind === 'retry') }),
 *   bind: (pipeline) => createResolver(pipeline),
 * };
 */
export interface Adapter<Input = unknown, Output = unknown> {
  /** Short id, such as `aws`; used as the `provider` of errors. */
  readonly name: string;
  readonly capabilities: CapabilityDeclaration;
  /**
   * Turns one platform invocation into the units of work for `fn`'s trigger. A unit that
   * cannot be decoded is returned with its error so that the rest proceed; input that is
   * unusable as a whole throws `INVALID_EVENT`.
   */
  decode(fn: PipelineFunction, input: Input): Decoded[];
  /** Turns per-unit outcomes into the result the platform expects. */
  encode(fn: PipelineFunction, settled: Settled[]): Output;
  /** Binds the pipeline's logical buckets and queues to this platform's stores and queues. */
  bind(pipeline: Pipeline): ResourceResolver;
  /**
   * Packaging and deployment hooks. They are optional so that an adapter can run pipelines
   * before it can deploy them; the CLI reports `UNSUPPORTED` for adapters without them.
   */
  readonly deployment?: AdapterDeployment;
}

/** Packaging and deployment, for adapters that offer them. */
export interface AdapterDeployment {
  /** Builds the artefact of one function (a bundle, an archive) into `outDir`. */
  build?(pipeline: Pipeline, fn: PipelineFunction, outDir: string): Promise<{ artifact: string }>;
}
