import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  type HttpTrigger,
  InvalidConfigError,
  invoke,
  type Logger,
  matchesPath,
  type Outcome,
  type Pipeline,
  type ResourceResolver,
} from '@cloudport/core';
import type { LocalQueue } from '../queue/index.js';
import type { FileStore } from '../store/file-store.js';
import { createLocalAdapter } from './adapter.js';
import { DEFAULT_DROP_QUIET_MS, type DropWatch, watchDrops } from './dev-drops.js';
import { startSchedules } from './dev-schedules.js';
import { toWebRequest, writeWebResponse } from './http.js';
import type { DevOptions, DevSession, InvocationRecord } from './types.js';

/** What `dev` needs from the runtime. */
export interface DevHost {
  pipeline: Pipeline;
  root: string;
  resolver: ResourceResolver;
  logger: Logger;
  stores(bucket: string): FileStore;
  eventQueue(name: string): LocalQueue<unknown>;
  startConsumers(signal: AbortSignal): Promise<void>;
  listen(listener: (record: InvocationRecord) => void): () => void;
  report(record: InvocationRecord): void;
  detailOf(outcome: Outcome): string | undefined;
}

/**
 * Runs the pipeline until stopped: queue and event consumers, bucket folders watched for
 * dropped files, schedules firing, and HTTP functions served under `/<function>/`.
 */
export async function startDev(host: DevHost, options: DevOptions): Promise<DevSession> {
  const quietMs = quietPeriod(options.dropQuietMs);
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  const unlisten = options.onInvocation ? host.listen(options.onInvocation) : () => {};
  const consumers = host.startConsumers(stop.signal);
  const watches = await watchBuckets(host, quietMs, stop.signal);
  const schedules = startSchedules(host, stop.signal);
  const halt = async () => {
    stop.abort();
    await Promise.all(watches.map((watch) => watch.close()));
    await schedules;
    await consumers;
    unlisten();
  };
  const server = createServer((request, response) => {
    serve(host, request, response).catch((error: unknown) => {
      host.logger.error('HTTP request failed', { error });
      if (!response.headersSent) response.writeHead(500).end();
    });
  });
  try {
    await new Promise<void>((ready, fail) => {
      server.once('error', fail);
      server.listen(options.port ?? 3000, options.host ?? '127.0.0.1', () => {
        server.off('error', fail);
        ready();
      });
    });
  } catch (error) {
    await halt();
    throw error;
  }
  const address = server.address() as AddressInfo;
  let stopping: Promise<void> | undefined;
  const session: DevSession = {
    url: `http://${options.host ?? '127.0.0.1'}:${address.port}`,
    stop: () => {
      stopping ??= (async () => {
        const closed = new Promise((done) => server.close(done));
        server.closeAllConnections();
        await closed;
        await halt();
      })();
      return stopping;
    },
  };
  options.signal?.addEventListener('abort', () => void session.stop(), { once: true });

  return session;
}

function quietPeriod(ms: number | undefined): number {
  if (ms === undefined) return DEFAULT_DROP_QUIET_MS;
  if (Number.isSafeInteger(ms) && ms >= 0) return ms;

  throw new InvalidConfigError(
    `dropQuietMs ${ms} is not a whole number of milliseconds; pass 0 or more ` +
      `(the default is ${DEFAULT_DROP_QUIET_MS}).`,
    { provider: 'local' },
  );
}

/** Watches the folder of every bucket with an object-created trigger, once per bucket. */
async function watchBuckets(
  host: DevHost,
  quietMs: number,
  signal: AbortSignal,
): Promise<DropWatch[]> {
  const buckets = new Set<string>();
  for (const fn of host.pipeline.functions.values()) {
    if (fn.trigger.kind === 'object' && fn.trigger.event === 'created') {
      buckets.add(fn.trigger.bucket.name);
    }
  }
  const watches: DropWatch[] = [];
  for (const bucket of buckets) {
    const dir = join(host.root, 'buckets', bucket);
    const store = host.stores(bucket);
    watches.push(await watchDrops({ store, bucket, dir, quietMs, logger: host.logger, signal }));
  }

  return watches;
}

async function serve(host: DevHost, request: IncomingMessage, response: ServerResponse) {
  const url = new URL(request.url ?? '/', `http://${request.headers.host ?? 'localhost'}`);
  const [, name = '', ...rest] = url.pathname.split('/');
  const fn = host.pipeline.functions.get(decodeURIComponent(name));
  const path = `/${rest.join('/')}`;
  if (fn?.trigger.kind !== 'http' || !routeMatches(fn.trigger, request.method, path)) {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
    return;
  }
  const started = performance.now();
  const id = randomUUID();
  const functionUrl = new URL(url);
  functionUrl.pathname = path;
  const [settled] = await invoke({
    adapter: createLocalAdapter(host.resolver),
    pipeline: host.pipeline,
    fn,
    input: { kind: 'http', id, request: () => toWebRequest(request, functionUrl) },
    resolver: host.resolver,
    logger: host.logger.child({ function: fn.name, invocationId: id }),
    invocationId: id,
    deadline: Date.now() + fn.timeoutSeconds * 1000,
  });
  const result = settled!.response ?? new Response('Internal Server Error\n', { status: 500 });
  await writeWebResponse(result, response);
  host.report({
    function: fn.name,
    trigger: 'http',
    eventId: id,
    outcome: settled!.outcome.kind,
    durationMs: Math.round(performance.now() - started),
    detail: host.detailOf(settled!.outcome),
    status: result.status,
  });
}

function routeMatches(trigger: HttpTrigger, method: string | undefined, path: string): boolean {
  if (trigger.method !== '*' && trigger.method !== method) return false;

  return matchesPath(trigger, path);
}
