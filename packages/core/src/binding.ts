import { InvalidConfigError } from './errors.js';

/** Prefix of every environment variable cloudport reads. */
export const BINDING_PREFIX = 'CLOUDPORT_';

/** The kinds of resource a binding names. */
export type BindingKind = 'bucket' | 'queue';

/**
 * The environment variable that binds a logical resource to a physical one:
 * `CLOUDPORT_BUCKET_<NAME>` or `CLOUDPORT_QUEUE_<NAME>`, the name upper-cased with `-` as `_`.
 *
 * @example
 * bindingVariable('bucket', 'raw-uploads') // 'CLOUDPORT_BUCKET_RAW_UPLOADS'
 */
export function bindingVariable(kind: BindingKind, name: string): string {
  return `${BINDING_PREFIX}${kind.toUpperCase()}_${name.toUpperCase().replaceAll('-', '_')}`;
}

/** The physical names of a deployment, read once from the environment at cold start. */
export interface Bindings {
  /** The deployed pipeline's name (`CLOUDPORT_PIPELINE`), when set. */
  pipeline: string | undefined;
  /** The deployed function's name (`CLOUDPORT_FUNCTION`), when set. */
  functionName: string | undefined;
  /** The physical name (or URL, for SQS) bound to a logical resource. */
  physical(kind: BindingKind, name: string): string;
  /** Every `CLOUDPORT_*` variable, for adapter-specific settings. */
  variables: ReadonlyMap<string, string>;
}

/**
 * Reads every `CLOUDPORT_*` variable once. A resource without a variable raises
 * `INVALID_CONFIG` naming the variable to set; deploy writes them all.
 */
export function readBindings(env: Record<string, string | undefined> = process.env): Bindings {
  const variables = new Map<string, string>();
  // Names first, then only the values wanted: each value read from process.env is a call into
  // the runtime, and a Lambda environment holds dozens of variables that are not cloudport's.
  for (const key of Object.keys(env)) {
    if (!key.startsWith(BINDING_PREFIX)) continue;
    const value = env[key];
    if (value !== undefined) variables.set(key, value);
  }

  return {
    pipeline: variables.get(`${BINDING_PREFIX}PIPELINE`),
    functionName: variables.get(`${BINDING_PREFIX}FUNCTION`),
    variables,
    physical(kind, name) {
      const variable = bindingVariable(kind, name);
      const value = variables.get(variable);
      if (value) return value;
      throw new InvalidConfigError(
        `The ${kind} ${JSON.stringify(name)} is not bound: set ${variable} to its physical ` +
          `name (cloudport deploy writes it).`,
      );
    },
  };
}

/** The variables deploy writes for a pipeline's functions, from logical to physical names. */
export function bindingEnvironment(
  pipeline: string,
  physical: { buckets?: Record<string, string>; queues?: Record<string, string> },
): Record<string, string> {
  const env: Record<string, string> = { [`${BINDING_PREFIX}PIPELINE`]: pipeline };
  for (const [name, value] of Object.entries(physical.buckets ?? {})) {
    env[bindingVariable('bucket', name)] = value;
  }
  for (const [name, value] of Object.entries(physical.queues ?? {})) {
    env[bindingVariable('queue', name)] = value;
  }

  return env;
}
