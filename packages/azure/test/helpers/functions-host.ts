// A stand-in for the Azure Functions Node.js worker, for tests. The v4 library talks to its
// host through the virtual module `@azure/functions-core`; this helper provides that module,
// so `app.*` registers for real and invocations run through the library's own InvocationModel:
// the conversion of trigger data (JSON coercion, camel-cased metadata), the InvocationContext,
// HttpRequest, and the conversion of the handler's result. Only the .NET host is played here:
// the typed data it would send is built by the tests.
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);

/** Typed data as the host sends it over gRPC (a subset of RpcTypedData). */
export interface TypedData {
  string?: string;
  json?: string;
  bytes?: Uint8Array;
  int?: number;
  double?: number;
  http?: Record<string, unknown>;
  collectionBytes?: { bytes: Uint8Array[] };
  collectionString?: { string: string[] };
}

interface Binding {
  type: string;
  direction: 'in' | 'out';
  [field: string]: unknown;
}

interface Registered {
  metadata: { name: string; bindings: Record<string, Binding> };
  callback: (...args: unknown[]) => unknown;
}

interface InvocationModel {
  getArguments(): Promise<{ context: unknown; inputs: unknown[] }>;
  invokeFunction(context: unknown, inputs: unknown[], handler: unknown): Promise<unknown>;
  getResponse(context: unknown, result: unknown): Promise<{ returnValue?: TypedData }>;
}

interface ProgrammingModel {
  getInvocationModel(coreContext: unknown): InvocationModel;
}

/** The outcome of one invocation as the host sees it. */
export type HostResult =
  | { ok: true; returnValue: TypedData | undefined; logs: string[] }
  | { ok: false; error: Error; logs: string[] };

/** What one invocation carries. */
export interface HostInvocation {
  data: TypedData | undefined;
  triggerMetadata?: Record<string, TypedData>;
  invocationId?: string;
}

const registered = new Map<string, Registered>();
let model: ProgrammingModel | undefined;
let invocations = 0;

const fakeCore = {
  version: '3.10.1',
  setProgrammingModel(value: ProgrammingModel) {
    model = value;
  },
  getProgrammingModel() {
    return model;
  },
  registerFunction(metadata: Registered['metadata'], callback: Registered['callback']) {
    registered.set(metadata.name, { metadata, callback });
    return { dispose: () => registered.delete(metadata.name) };
  },
  registerHook() {
    return { dispose: () => undefined };
  },
  Disposable: class {},
};

/** Installs the fake host module; call before the first `app.*` call of the process. */
export function installFunctionsHost(): void {
  const Module = require('node:module') as {
    _resolveFilename: (request: string, ...rest: unknown[]) => string;
    _cache: Record<string, unknown>;
  };
  const filename = join(import.meta.dirname, '__functions-core__.cjs');
  if (Module._cache[filename]) return;
  Module._cache[filename] = {
    id: filename,
    filename,
    loaded: true,
    exports: fakeCore,
    children: [],
    paths: [],
  };
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request: string, ...rest: unknown[]) {
    if (request === '@azure/functions-core') return filename;
    return resolve.call(this, request, ...rest);
  };
}

/** The bindings a function registered with, by binding name. */
export function bindingsOf(name: string): Record<string, Binding> {
  const found = registered.get(name);
  if (!found) throw new Error(`No function ${name} was registered with the fake host.`);

  return found.metadata.bindings;
}

/** The trigger binding of a registered function. */
export function triggerOf(name: string): Binding {
  const trigger = Object.values(bindingsOf(name)).find((binding) =>
    binding.type.endsWith('Trigger'),
  );
  if (!trigger) throw new Error(`Function ${name} has no trigger binding.`);

  return trigger;
}

/** Invokes a registered function as the worker would, through the library's InvocationModel. */
export async function invokeFunction(
  name: string,
  invocation: HostInvocation,
): Promise<HostResult> {
  const found = registered.get(name);
  if (!found || !model) throw new Error(`No function ${name} was registered with the fake host.`);
  const [triggerName] = Object.entries(found.metadata.bindings).find(([, binding]) =>
    binding.type.endsWith('Trigger'),
  ) ?? [''];
  const logs: string[] = [];
  invocations += 1;
  const coreContext = {
    invocationId: invocation.invocationId ?? `invocation-${invocations}`,
    metadata: found.metadata,
    request: {
      inputData:
        invocation.data === undefined ? [] : [{ name: triggerName, data: invocation.data }],
      triggerMetadata: invocation.triggerMetadata ?? {},
    },
    state: 'invocation',
    log: (_level: string, category: string, message: string) => {
      if (category === 'user') logs.push(message);
    },
  };
  const invocationModel = model.getInvocationModel(coreContext);
  try {
    const { context, inputs } = await invocationModel.getArguments();
    const result = await invocationModel.invokeFunction(context, inputs, found.callback);
    const response = await invocationModel.getResponse(context, result);
    return { ok: true, returnValue: response.returnValue, logs };
  } catch (error) {
    return { ok: false, error: error as Error, logs };
  }
}

/** Typed data of a value as the host would send a binding-data value. */
export function typed(value: unknown): TypedData {
  if (typeof value === 'string') return { string: value };
  if (typeof value === 'number')
    return Number.isInteger(value) ? { int: value } : { double: value };
  if (value instanceof Uint8Array) return { bytes: value };

  return { json: JSON.stringify(value) };
}

/** Trigger metadata of host-side (PascalCase) names and values. */
export function metadataOf(values: Record<string, unknown>): Record<string, TypedData> {
  const metadata: Record<string, TypedData> = {};
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined) metadata[name] = typed(value);
  }

  return metadata;
}

installFunctionsHost();
