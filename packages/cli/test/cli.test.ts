import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, fixture, lines, runCli, tempDir } from './helpers.js';

const { version } = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
) as { version: string };

let work: Awaited<ReturnType<typeof tempDir>>;
const event = (name: string) => join(work.path, name);

beforeAll(async () => {
  assertBuilt();
  work = await tempDir();
  await mkdir(join(work.path, 'input'));
  await writeFile(join(work.path, 'input', 'a.txt'), 'alpha\n');
  await writeFile(join(work.path, 'keep.txt'), 'not cloudport data');
  await writeFile(event('bad.json'), '{"type": "object.created", "key": ');
  await writeFile(event('message.json'), '{"type": "message", "body": {}}');
  await writeFile(event('object.json'), '{"type": "object.created", "key": "a.txt"}');
});

afterAll(() => work.remove());

describe('help and version', () => {
  it('prints the commands on --help and exits 0', async () => {
    const result = await runCli(['--help']);

    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^Usage: cloudport <command>/);
    for (const command of ['run', 'dev', 'invoke', 'dlq']) {
      expect(result.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
  });

  it.each([
    [['run', '--help'], 'run'],
    [['dev', '-h'], 'dev'],
    [['invoke', 'anything', '--help'], 'invoke'],
    [['dlq', '--help'], 'dlq'],
    [['help', 'run'], 'run'],
  ])('prints command help for %j', async (args, command) => {
    const result = await runCli(args);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^Usage: cloudport ${command} <pipeline-module>`));
  });

  it('prints the package version on --version', async () => {
    const result = await runCli(['--version']);

    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${version}\n`);
  });
});

describe('one-line errors with exit code 2', () => {
  const pipeline = fixture('pipeline.ts');
  const cases: Array<{ name: string; args: () => string[]; message: RegExp }> = [
    { name: 'no command', args: () => [], message: /missing command/ },
    { name: 'unknown command', args: () => ['deploy'], message: /unknown command "deploy"/ },
    { name: 'unknown global option', args: () => ['--frob'], message: /unknown option --frob/ },
    { name: 'missing module', args: () => ['run'], message: /missing <pipeline-module>/ },
    {
      name: 'unknown flag',
      args: () => ['run', pipeline, '--nope'],
      message: /unknown option --nope for "cloudport run"/,
    },
    {
      name: 'extra argument',
      args: () => ['run', pipeline, 'extra'],
      message: /unexpected argument "extra"/,
    },
    {
      name: 'flag without a value',
      args: () => ['dev', pipeline, '--port'],
      message: /option --port needs a value/,
    },
    {
      name: 'boolean flag with a value',
      args: () => ['dlq', pipeline, '--replay=yes'],
      message: /option --replay takes no value/,
    },
    {
      name: 'port out of range',
      args: () => ['dev', pipeline, '--port', '70000'],
      message: /--port "70000" must be a whole number from 0 to 65535/,
    },
    {
      name: 'quiet period that is not a number',
      args: () => ['dev', pipeline, '--quiet-ms', 'soon'],
      message: /--quiet-ms "soon" must be a whole number from 0 to 3600000/,
    },
    {
      name: 'unknown profile',
      args: () => ['run', pipeline, '--profile', 'ibm'],
      message: /--profile "ibm" must be one of aws, gcp, azure/,
    },
    {
      name: 'unknown module',
      args: () => ['run', 'nowhere/pipeline.ts'],
      message: /cannot find pipeline module "nowhere\/pipeline.ts"/,
    },
    {
      name: 'module without a pipeline',
      args: () => ['run', fixture('no-pipeline.ts')],
      message: /exports no pipeline; export one with "export default definePipeline/,
    },
    {
      name: 'module that throws while loading',
      args: () => ['run', fixture('throws.ts')],
      message: /cannot load pipeline module .*: database URL is not set/,
    },
    {
      name: 'cloudport error while loading, with its code',
      args: () => ['run', fixture('invalid-name.ts')],
      message: /pipeline name "Bad_Name" .* \[INVALID_NAME\]$/,
    },
    {
      name: 'input that is not a directory',
      args: () => ['run', pipeline, '--input', 'missing-dir'],
      message: /--input "missing-dir" is not a directory/,
    },
    {
      name: 'ambiguous input bucket',
      args: () => ['run', fixture('two-buckets.mjs'), '--input', 'input'],
      message: /--input is ambiguous: buckets first, second .* choose one with --bucket NAME/,
    },
    {
      name: 'unknown bucket',
      args: () => ['run', fixture('two-buckets.mjs'), '--input', 'input', '--bucket', 'third'],
      message:
        /--bucket "third" is not a bucket of pipeline "two-buckets"; its buckets are first, second/,
    },
    {
      name: 'bucket without input',
      args: () => ['run', fixture('two-buckets.mjs'), '--bucket', 'first'],
      message: /pass --input DIR with it/,
    },
    {
      name: '--fresh on a root holding the working directory',
      args: () => ['run', pipeline, '--fresh', '--root', '.'],
      message: /--fresh would delete .* point --root at a folder used only by cloudport/,
    },
    {
      name: 'missing function argument',
      args: () => ['invoke', pipeline],
      message: /missing <function> for "cloudport invoke"/,
    },
    {
      name: 'missing event file option',
      args: () => ['invoke', pipeline, 'copy'],
      message: /missing --event FILE/,
    },
    {
      name: 'unknown function',
      args: () => ['invoke', pipeline, 'nope', '--event', event('object.json')],
      message:
        /function "nope" is not in pipeline "cli-fixture"; its functions are copy, hello, shout/,
    },
    {
      name: 'missing event file',
      args: () => ['invoke', pipeline, 'copy', '--event', 'missing.json'],
      message: /cannot read event file "missing.json" \(no such file\)/,
    },
    {
      name: 'event file that is not JSON',
      args: () => ['invoke', pipeline, 'copy', '--event', event('bad.json')],
      message: /Event file ".*bad.json" is not valid JSON .*\[INVALID_EVENT\]$/,
    },
    {
      name: 'event of the wrong type for the function',
      args: () => ['invoke', pipeline, 'copy', '--event', event('message.json')],
      message:
        /has type "message", but function "copy" takes "object.created" events.*\[INVALID_EVENT\]/,
    },
    {
      name: 'invoke of an HTTP function',
      args: () => ['invoke', pipeline, 'hello', '--event', event('object.json')],
      message: /function "hello" answers HTTP requests.*"cloudport dev"/,
    },
    {
      name: 'invalid log level',
      args: () => ['run', pipeline],
      message: /CLOUDPORT_LOG_LEVEL "loud" must be one of debug, info, warn, error, silent/,
    },
  ];

  it.each(cases)('$name', async ({ name, args, message }) => {
    const env: Record<string, string> =
      name === 'invalid log level' ? { CLOUDPORT_LOG_LEVEL: 'loud' } : {};
    const result = await runCli(args(), { cwd: work.path, env });

    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(/^cloudport: /);
    expect(result.stderr.trimEnd()).toMatch(message);
  });

  it('leaves the working directory alone when --fresh is refused', async () => {
    await runCli(['run', pipeline, '--fresh', '--root', '.'], { cwd: work.path });

    expect(readFileSync(join(work.path, 'keep.txt'), 'utf8')).toBe('not cloudport data');
  });
});

describe('unexpected errors', () => {
  it('prints one line with a hint to set CLOUDPORT_DEBUG, and exits 2', async () => {
    const args = ['run', fixture('fake-pipeline.mjs'), '--input', 'input'];
    const result = await runCli(args, { cwd: work.path });

    expect(result.code).toBe(2);
    expect(lines(result.stderr)).toEqual([
      'cloudport: unexpected error: TypeError: resources is broken ' +
        '(re-run with CLOUDPORT_DEBUG=1 to see the stack)',
    ]);
  });

  it('prints the stack when CLOUDPORT_DEBUG=1', async () => {
    const args = ['run', fixture('fake-pipeline.mjs'), '--input', 'input'];
    const result = await runCli(args, { cwd: work.path, env: { CLOUDPORT_DEBUG: '1' } });

    expect(result.code).toBe(2);
    expect(lines(result.stderr)[0]).toBe(
      'cloudport: unexpected error: TypeError: resources is broken',
    );
    expect(result.stderr).toMatch(/\n\s+at .*fake-pipeline\.mjs/);
  });
});
