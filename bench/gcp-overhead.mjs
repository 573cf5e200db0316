// What the GCP adapter adds to a Cloud Functions invocation, on a Cloud Storage finalize and on
// a Pub/Sub message, against hand-written functions-framework functions doing the same trivial
// in-memory work on the same events.
//
// Each side runs in a process of its own, as a deployed function does, so that nothing one side
// switches on (async hooks, for instance) slows the other. Both processes serve the framework's
// own server on a local port and answer CPU-time requests over IPC. Two measurements, on both
// events:
// - through the framework: binary-mode CloudEvents POSTed over keep-alive connections, as
//   Eventarc delivers them, in blocks of BLOCK sequential requests to one side, the two sides'
//   blocks alternating so that load from other processes hits both alike, and the two events'
//   blocks alternating too: measured one after the other, the second event met the adapter's
//   process in another state than the first and came out some 30 µs dearer than it, the first
//   a few µs. A block is timed by
//   the CPU time (user plus system, process.cpuUsage) the serving process spent on it, read over
//   IPC just before and just after the block; the figure per invocation is the block's CPU time
//   divided by BLOCK, and each side's figure is its median block. CPU time rather than the clock,
//   because the clock is the weaker measurement here: on a machine shared with other work a
//   round trip mostly measures how the scheduler treats three processes (client and two
//   servers), and two identical sides then differ by up to 10% from one run to the next, while
//   the serving process's CPU time counts only the work the function's instance does, which is
//   what a deployed function pays for. The clock is still reported: wallRatio is the ratio of
//   the median blocks' mean round trips;
// - direct, after all the requests: each process calls its registered function with the
//   CloudEvent object in batches of DIRECT_CALLS, sides and events alternating; a batch is
//   timed by the process's CPU time too, and the figure is the median batch per call. This
//   leaves out the framework's own cost (hundreds of µs), which would hide the adapter's.
//
// What the added time through the framework is made of: a CPU profile of the adapter's
// process under the same requests puts the adapter's own code (core and gcp modules) at about
// 5 µs a request, inside functions-framework's domain; the rest of `*AddedUs` is spread over
// Node's, Express's and the garbage collector's share, code both sides run alike, so it is the
// state of the process (a larger heap and module graph) more than work the adapter does.
//
// A pair of processes settles on its own JIT and heap layout, which moves one side's figures by
// a few percent against the other's from one pair to the next. So the measurement runs in
// PAIRS fresh pairs of processes per event, started in alternating order, every pair serving
// one event only and doing the same requests and batches on both sides; each figure below is
// the median over the pairs of that pair's figure (ratios are taken within a pair, then their
// median).
//
// ratio = adapter CPU time / raw CPU time per invocation through the framework, the larger of
// the two events (target at most 1.10); objectRatio and messageRatio are the two events' own.
// `*RawUs` is the raw function's CPU time per invocation and `*AddedUs` the adapter's CPU time
// minus the raw function's; the `direct*` figures are the same without the framework.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';

export const meta = {
  name: 'gcp-overhead',
  diskMb: 0,
  timeoutSeconds: 300,
  target: { ratio: { max: 1.1 } },
};

const PAIRS = 9;
const BLOCK = 100;
const HTTP_WARMUP_BLOCKS = 6;
const HTTP_BLOCKS = 15;
const DIRECT_BATCHES = 21;
const DIRECT_CALLS = 2000;
const ROLE = 'CLOUDPORT_BENCH_GCP_ROLE';
const EVENTS = ['object', 'message'];

const objectHeaders = {
  'ce-id': '9181726354451627',
  'ce-type': 'google.cloud.storage.object.v1.finalized',
  'ce-source': '//storage.googleapis.com/projects/_/buckets/acme-prod-uploads',
  'ce-specversion': '1.0',
  'ce-subject': 'objects/2026/q1/orders.csv',
  'ce-time': '2026-02-14T09:30:12.482311Z',
  'content-type': 'application/json',
};
const objectData = {
  kind: 'storage#object',
  name: '2026/q1/orders.csv',
  bucket: 'acme-prod-uploads',
  generation: '1771061412482311',
  metageneration: '1',
  contentType: 'text/csv',
  size: '48213',
  updated: '2026-02-14T09:30:12.482Z',
};
const messageHeaders = {
  'ce-id': '11873462019384',
  'ce-type': 'google.cloud.pubsub.topic.v1.messagePublished',
  'ce-source': '//pubsub.googleapis.com/projects/acme-prod/topics/csv-etl-rows',
  'ce-specversion': '1.0',
  'ce-time': '2026-02-14T09:30:15.731Z',
  'content-type': 'application/json',
};
const messageData = {
  message: {
    data: Buffer.from(JSON.stringify({ file: 'a.csv', batch: 3, rows: 500 })).toString('base64'),
    messageId: '11873462019384',
    publishTime: '2026-02-14T09:30:15.731Z',
    attributes: { tenant: 'acme' },
  },
  subscription: 'projects/acme-prod/subscriptions/eventarc-rows',
};

/** The CloudEvent functions-framework builds from binary-mode headers and body. */
function frameworkEvent(headers, data) {
  const event = { data };
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('ce-')) event[name.slice(3)] = value;
  }

  return event;
}

/** In a child process: registers one side's two functions and serves them. */
async function serveSide(role) {
  const functions = (await import('@google-cloud/functions-framework')).default;
  const { getFunction, getTestServer } = await import('@google-cloud/functions-framework/testing');
  let sink = 0;
  const work = (name, size) => {
    sink = (sink + name.length + size) % 1_000_003;
  };
  if (role === 'raw') {
    functions.cloudEvent('object', async (event) => {
      work(event.data.name, Number(event.data.size));
    });
    functions.cloudEvent('message', async (event) => {
      const body = JSON.parse(Buffer.from(event.data.message.data, 'base64').toString('utf8'));
      work(body.file, body.rows);
    });
  } else {
    const { bucket, definePipeline, onMessage, onObjectCreated, queue } = await import(
      '@cloudport/core'
    );
    const { createCloudLogger, registerFunctions } = await import('@cloudport/gcp');
    const pipeline = definePipeline('bench', {
      object: { trigger: onObjectCreated(bucket('uploads')), handler: (e) => work(e.key, e.size) },
      message: {
        trigger: onMessage(queue('rows')),
        handler: (message) => work(message.body.file, message.body.rows),
      },
    });
    registerFunctions(pipeline, {
      env: { CLOUDPORT_BUCKET_UPLOADS: 'acme-prod-uploads', CLOUDPORT_QUEUE_ROWS: 'csv-etl-rows' },
      // The default JSON logger, writing nowhere: a successful invocation logs nothing anyway.
      logger: createCloudLogger({ write: () => {} }),
    });
  }
  const ports = {};
  for (const name of EVENTS) {
    const server = getTestServer(name);
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    ports[name] = server.address().port;
  }
  const events = {
    object: frameworkEvent(objectHeaders, objectData),
    message: frameworkEvent(messageHeaders, messageData),
  };
  process.on('message', async ({ name, calls }) => {
    if (name === undefined) return process.send({ cpu: cpuUs() });
    const fn = getFunction(name);
    const started = cpuUs();
    for (let call = 0; call < calls; call++) await fn(events[name]);
    process.send({ cpu: (cpuUs() - started) / calls, sink });
  });
  process.send({ ports });
}

function startSide(role) {
  const child = fork(fileURLToPath(import.meta.url), [], {
    env: { ...process.env, [ROLE]: role },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const ready = once(child, 'message').then(([message]) => message.ports);

  return { child, ready };
}

/** CPU time this process has used, user and system, in µs. */
function cpuUs() {
  const { user, system } = process.cpuUsage();

  return user + system;
}

function ask(child, message) {
  const answer = once(child, 'message').then(([reply]) => reply);
  child.send(message);

  return answer;
}

function post(agent, port, headers, body) {
  return new Promise((resolve, reject) => {
    const options = { agent, host: '127.0.0.1', port, method: 'POST', path: '/', headers };
    const req = request(options, (res) => {
      res.resume();
      res.on('end', () =>
        res.statusCode === 204 ? resolve() : reject(new Error(`status ${res.statusCode}`)),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
const round = (value, digits = 2) => Number(value.toFixed(digits));

/**
 * Runs `measure(name, side)` `count` times for each event and side: the events alternate step
 * by step, so that both see the process in the same state, and so does which side goes first.
 */
async function interleave(events, count, measure) {
  const samples = {};
  for (const name of events) samples[name] = { raw: [], ours: [] };
  for (let step = 0; step < count; step++) {
    const order = step % 2 === 0 ? ['raw', 'ours'] : ['ours', 'raw'];
    for (const name of events) {
      for (const side of order) samples[name][side].push(await measure(name, side));
    }
  }

  return samples;
}

/** Each side's median of one figure of its samples. */
function medians(samples, figure) {
  return { raw: median(samples.raw.map(figure)), ours: median(samples.ours.map(figure)) };
}

/** BLOCK requests to one side: its CPU time and the mean round trip per request, in µs. */
async function timeBlock(agent, child, port, headers, body) {
  const before = (await ask(child, {})).cpu;
  const started = performance.now();
  for (let call = 0; call < BLOCK; call++) await post(agent, port, headers, body);
  const wall = ((performance.now() - started) * 1000) / BLOCK;
  const cpu = ((await ask(child, {})).cpu - before) / BLOCK;

  return { cpu, wall };
}

/** Starts one pair of processes and measures the given events on it; `first` starts first. */
async function measurePair(first, events) {
  const order = first === 'raw' ? ['raw', 'ours'] : ['ours', 'raw'];
  const sides = {};
  for (const role of order) sides[role] = startSide(role);
  const ports = { raw: await sides.raw.ready, ours: await sides.ours.ready };
  const agent = new Agent({ keepAlive: true, maxSockets: 2 });
  const bodies = { object: JSON.stringify(objectData), message: JSON.stringify(messageData) };
  const headers = { object: objectHeaders, message: messageHeaders };
  try {
    const block = (name, side) =>
      timeBlock(agent, sides[side].child, ports[side][name], headers[name], bodies[name]);
    await interleave(events, HTTP_WARMUP_BLOCKS, block);
    const blocks = await interleave(events, HTTP_BLOCKS, block);
    const batch = async (name, side) =>
      (await ask(sides[side].child, { name, calls: DIRECT_CALLS })).cpu;
    await interleave(events, 5, batch);
    const batches = await interleave(events, DIRECT_BATCHES, batch);
    const figures = {};
    for (const name of events) {
      figures[name] = {
        http: medians(blocks[name], (sample) => sample.cpu),
        wall: medians(blocks[name], (sample) => sample.wall),
        direct: medians(batches[name], (sample) => sample),
      };
    }

    return figures;
  } finally {
    agent.destroy();
    for (const { child } of Object.values(sides)) child.kill();
  }
}

export default async function run() {
  // Each pair serves one event only: the serving process's CPU time cannot be told apart by
  // event, and with both in one process the time one event's requests leave behind (garbage,
  // compilation) lands on the other's blocks, which showed as an adapter faster than the raw
  // function on one event and slower on the other.
  const byEvent = { object: [], message: [] };
  for (let pair = 0; pair < PAIRS; pair++) {
    for (const name of EVENTS) {
      byEvent[name].push(await measurePair(pair % 2 ? 'ours' : 'raw', [name]));
    }
  }
  const pairs = byEvent.object.map((object, index) => ({ ...object, ...byEvent.message[index] }));
  const across = (figure) => median(pairs.map(figure));
  const ratio = (name, kind) => across((pair) => pair[name][kind].ours / pair[name][kind].raw);
  const raw = (name, kind) => across((pair) => pair[name][kind].raw);
  const added = (name, kind) => across((pair) => pair[name][kind].ours - pair[name][kind].raw);
  const objectRatio = ratio('object', 'http');
  const messageRatio = ratio('message', 'http');

  return {
    ratio: round(Math.max(objectRatio, messageRatio), 3),
    objectRatio: round(objectRatio, 3),
    messageRatio: round(messageRatio, 3),
    objectRawUs: round(raw('object', 'http'), 1),
    objectAddedUs: round(added('object', 'http'), 1),
    messageRawUs: round(raw('message', 'http'), 1),
    messageAddedUs: round(added('message', 'http'), 1),
    wallRatio: round(Math.max(ratio('object', 'wall'), ratio('message', 'wall')), 3),
    directObjectRawUs: round(raw('object', 'direct')),
    directObjectAddedUs: round(added('object', 'direct')),
    directMessageRawUs: round(raw('message', 'direct')),
    directMessageAddedUs: round(added('message', 'direct')),
    directRatio: round(Math.max(ratio('object', 'direct'), ratio('message', 'direct')), 1),
  };
}

if (process.env[ROLE]) await serveSide(process.env[ROLE]);
