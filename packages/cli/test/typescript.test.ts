// TypeScript pipelines in both package types. The projects are written at run time, outside
// the repository's type check, with @cloudport/core linked into their node_modules as an
// installed dependency would be.
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../src/summary.js';
import { assertBuilt, readObject, runCli, tempDir } from './helpers.js';

const CORE = fileURLToPath(new URL('../../core', import.meta.url));

// ES module syntax, as most TypeScript is written whatever the package type.
const RESOURCES = `import { bucket } from '@cloudport/core';

export const uploads = bucket('uploads');
export const out = bucket('out');
`;

const PIPELINE = (name: string, resources: string) => `import {
  deadLetter,
  definePipeline,
  onObjectCreated,
  readAll,
} from '@cloudport/core';
import { out, uploads } from './${resources}';

const here: string = typeof __filename === 'string' ? 'commonjs' : 'esm';

export default definePipeline('${name}', {
  shout: {
    trigger: onObjectCreated(uploads),
    uses: [out],
    handler: async (event) => {
      const { body } = await uploads.get(event.key);
      const text = (await readAll(body)).toString('utf8');
      if (text.startsWith('REJECT')) deadLetter(event.key + ' asked to be rejected');
      await out.put(event.key, here + ': ' + text.toUpperCase());
    },
  },
});
`;

let work: Awaited<ReturnType<typeof tempDir>>;

/** Writes a project with the given package.json fields and pipeline file name. */
async function project(name: string, manifest: Record<string, string>, file: string) {
  const dir = join(work.path, name);
  await mkdir(join(dir, 'node_modules', '@cloudport'), { recursive: true });
  await symlink(CORE, join(dir, 'node_modules', '@cloudport', 'core'), 'dir');
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name, private: true, ...manifest }));
  // An .mts module imports an .mts one, as tsc requires of an ES module in such a package.
  const mts = file.endsWith('.mts');
  await writeFile(join(dir, mts ? 'resources.mts' : 'resources.ts'), RESOURCES);
  await writeFile(join(dir, file), PIPELINE(name, mts ? 'resources.mjs' : 'resources.js'));
  await mkdir(join(dir, 'input'));
  await writeFile(join(dir, 'input', 'a.txt'), 'hello');
  await writeFile(join(dir, 'input', 'no.txt'), 'REJECT this one');

  return dir;
}

beforeAll(async () => {
  assertBuilt();
  work = await tempDir();
});

afterAll(() => work.remove());

describe('TypeScript pipeline modules', () => {
  it.each([
    ['a .ts file in a package without "type"', 'untyped', {}, 'pipeline.ts', 'commonjs'],
    [
      'a .ts file in a "type": "commonjs" package',
      'commonjs',
      { type: 'commonjs' },
      'pipeline.ts',
      'commonjs',
    ],
    ['a .cts file', 'cts', {}, 'pipeline.cts', 'commonjs'],
    [
      'a .ts file in a "type": "module" package',
      'module',
      { type: 'module' },
      'pipeline.ts',
      'esm',
    ],
    ['a .mts file in a package without "type"', 'mts', {}, 'pipeline.mts', 'esm'],
  ])("runs %s, sharing the CLI's @cloudport/core", async (_what, name, manifest, file, kind) => {
    const dir = await project(name, manifest, file);
    const root = join(dir, '.cloudport');
    const result = await runCli(['run', file, '--input', 'input', '--json'], { cwd: dir });

    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as RunReport;
    // A dead letter, not a retry: the handler threw the CLI's own DeadLetterError class.
    expect(report.functions.shout).toEqual({
      events: 2,
      processed: 1,
      retried: 0,
      deadLettered: 1,
    });
    expect(await readObject(root, 'out', 'a.txt')).toBe(`${kind}: HELLO`);
  });

  it('names the ways out in one line where Node cannot require() an ES module', async () => {
    const dir = await project('no-require-esm', {}, 'pipeline.ts');
    const result = await runCli(['run', 'pipeline.ts', '--input', 'input'], {
      cwd: dir,
      env: { NODE_OPTIONS: '--no-experimental-require-module' },
    });

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      new RegExp(
        '^cloudport: pipeline module "pipeline.ts" loads as CommonJS, and Node v\\S+ cannot ' +
          'require\\(\\) the ES module @cloudport/core from it; use Node 20.19 or later, rename ' +
          'the file to .mts, or add "type": "module" to its package.json\\n$',
      ),
    );
  });
});
