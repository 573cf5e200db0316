// 10,000 small objects through a pipeline that reads each and writes a transformed copy, on
// the local runtime, against a plain Node script doing the same reads and the same atomic
// writes (temporary file, then rename) in the same run.
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bucket, definePipeline, onObjectCreated, readAll } from '@cloudport/core';
import { createLocalRuntime } from '@cloudport/local';

export const meta = { name: 'local-throughput', diskMb: 200, target: { ratio: { min: 0.5 } } };

const COUNT = 10_000;
const body = (n) => `id,name,amount\n${n},item-${n},${(n * 37) % 1000}\n`;
const transform = (text) => text.toUpperCase();

export default async function run() {
  const dir = await mkdtemp(join(tmpdir(), 'cloudport-bench-local-'));
  try {
    const cloudport = await runPipeline(join(dir, 'runtime'));
    const plain = await runPlain(join(dir, 'plain'));
    return {
      ratio: round(cloudport / plain),
      objectsPerSecond: Math.round(cloudport),
      baselinePerSecond: Math.round(plain),
      objects: COUNT,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function runPipeline(root) {
  const input = bucket('inputs');
  const output = bucket('outputs');
  const pipeline = definePipeline('bench', {
    copy: {
      trigger: onObjectCreated(input),
      uses: [output],
      handler: async (event) => {
        const { body: stream } = await input.get(event.key);
        const text = (await readAll(stream)).toString('utf8');
        await output.put(event.key, transform(text), { contentType: 'text/csv' });
      },
    },
  });
  const runtime = await createLocalRuntime({ pipeline, root, logger: false });
  const store = runtime.store('inputs');
  for (let n = 0; n < COUNT; n += 1) await store.put(`in/${n}.csv`, body(n));
  const started = performance.now();
  const summary = await runtime.drain();
  const seconds = (performance.now() - started) / 1000;
  await runtime.close();
  if (summary.functions.copy.processed !== COUNT) throw new Error('not every object was copied');

  return COUNT / seconds;
}

async function runPlain(dir) {
  const inputs = join(dir, 'in');
  const outputs = join(dir, 'out');
  await mkdir(inputs, { recursive: true });
  await mkdir(outputs, { recursive: true });
  for (let n = 0; n < COUNT; n += 1) await writeFile(join(inputs, `${n}.csv`), body(n));
  const started = performance.now();
  for (let n = 0; n < COUNT; n += 1) {
    const text = await readFile(join(inputs, `${n}.csv`), 'utf8');
    const temp = join(outputs, `.${n}.csv.tmp`);
    await writeFile(temp, transform(text));
    await rename(temp, join(outputs, `${n}.csv`));
  }

  return COUNT / ((performance.now() - started) / 1000);
}

function round(value) {
  return Math.round(value * 100) / 100;
}
