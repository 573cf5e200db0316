import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { type FSWatcher, watch } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, join } from 'node:path';
import {
  type HttpTrigger,
  invoke,
  type Logger,
  matchesPath,
  nextFireTime,
  type Outcome,
  type Pipeline,
  type PipelineFunction,
  type ResourceResolver,
  type ScheduleEvent,
  type ScheduleTrigger,
} from '@cloudport/core';
import type { LocalQueue } from '../queue/index.js';
import { type FileStore, isStoreEntry } from '../store/file-store.js';
import { createLocalAdapter } from './adapter.js';
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
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  const unlisten = options.onInvocation ? host.listen(options.onInvocation) : () => {};
  const consumers = host.startConsumers(stop.signal);
  const watchers = await watchBuckets(host, stop.signal);
  const timers = startSchedules(host, stop.signal);
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
    stop.abort();
    for (const watcher of watchers) watcher.close();
    await consumers;
    unlisten();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const session: DevSession = {
    url: `http://${options.host ?? '127.0.0.1'}:${address.port}`,
    stop: async () => {
      stop.abort();
      for (const watcher of watchers) watcher.close();
      for (const timer of timers) clearTimeout(timer.current);
      await new Promise((closed) => server.close(closed));
      server.closeAllConnections();
      await consumers;
      unlisten();
    },
  };
  options.signal?.addEventListener('abort', () => void session.stop(), { once: true });

  return session;
}

async function watchBuckets(host: DevHost, signal: AbortSignal): Promise<FSWatcher[]> {
  const watchers: FSWatcher[] = [];
  for (const fn of host.pipeline.functions.values()) {
    if (fn.trigger.kind !== 'object' || fn.trigger.event !== 'created') continue;
    const bucket = fn.trigger.bucket.name;
    if (watchers.some((w) => (w as FSWatcher & { bucket?: string }).bucket === bucket)) continue;
    const dir = join(host.root, 'buckets', bucket);
    await mkdir(dir, { recursive: true });
    const importing = new Set<string>();
    const watcher = watch(dir, { recursive: true, signal }, (_type, name) => {
      if (!name || isStoreEntry(name.toString()) || isEditorLitter(name.toString())) return;
      const path = join(dir, name.toString());
      if (importing.has(path)) return;
      importing.add(path);
      importWhenStable(host.stores(bucket), path)
        .catch((error: unknown) =>
          host.logger.warn('could not import dropped file', { path, error }),
        )
        .finally(() => importing.delete(path));
    });
    Object.assign(watcher, { bucket });
    watchers.push(watcher);
  }

  return watchers;
}

/** Hidden files, editor swap files and backups that a folder collects but no one drops. */
function isEditorLitter(path: string): boolean {
  const base = basename(path);

  return base.startsWith('.') || base.endsWith('~') || base === 'Thumbs.db';
}

/** Imports a dropped file once its size has stopped changing, so half-copied files wait. */
async function importWhenStable(store: FileStore, path: string): Promise<void> {
  let last = -1;
  for (;;) {
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) return;
    if (info.size === last) break;
    last = info.size;
    await new Promise((done) => setTimeout(done, 100));
  }
  await store.importDroppedFile(path);
}

/** Schedules each firing; a firing missed while `dev` was down runs once, marked past due. */
function startSchedules(host: DevHost, signal: AbortSignal): Array<{ current?: NodeJS.Timeout }> {
  const timers: Array<{ current?: NodeJS.Timeout }> = [];
  for (const fn of host.pipeline.functions.values()) {
    if (fn.trigger.kind !== 'schedule') continue;
    const timer: { current?: NodeJS.Timeout } = {};
    timers.push(timer);
    void scheduleLoop(host, fn as PipelineFunction<ScheduleTrigger>, timer, signal);
  }

  return timers;
}

async function scheduleLoop(
  host: DevHost,
  fn: PipelineFunction<ScheduleTrigger>,
  timer: { current?: NodeJS.Timeout },
  signal: AbortSignal,
): Promise<void> {
  const { schedule } = fn.trigger;
  const stateFile = join(host.root, 'schedules', `${fn.name}.json`);
  const last = await readFile(stateFile, 'utf8')
    .then((text) => new Date((JSON.parse(text) as { last: string }).last))
    .catch(() => undefined);
  const fire = async (due: Date, pastDue: boolean) => {
    const event: ScheduleEvent = {
      type: 'schedule',
      id: `${fn.name}@${due.toISOString()}`,
      schedule: schedule.expression,
      time: due.toISOString(),
      pastDue,
      raw: { due: due.toISOString() },
    };
    await host.eventQueue(fn.name).send(event, { deduplicationId: event.id });
    await mkdir(join(host.root, 'schedules'), { recursive: true });
    await writeFile(stateFile, JSON.stringify({ last: due.toISOString() }));
  };
  if (last) {
    const missed = nextFireTime(schedule, last);
    if (missed.getTime() < Date.now()) await fire(missed, true);
  }
  while (!signal.aborted) {
    const due = nextFireTime(schedule, new Date());
    await new Promise<void>((done) => {
      timer.current = setTimeout(done, due.getTime() - Date.now());
      signal.addEventListener('abort', () => done(), { once: true });
    });
    if (signal.aborted) return;
    await fire(due, false).catch((error: unknown) =>
      host.logger.error('schedule firing failed', { function: fn.name, error }),
    );
  }
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
