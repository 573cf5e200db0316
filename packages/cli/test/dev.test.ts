import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, fixture, startCli, tempDir, waitFor } from './helpers.js';

let work: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  assertBuilt();
  work = await tempDir();
});

afterAll(() => work.remove());

describe('cloudport dev', () => {
  it('serves HTTP, runs dropped files, logs a line per invocation, stops on SIGINT', async () => {
    const root = join(work.path, 'root');
    const uploads = join(root, 'buckets', 'uploads');
    await mkdir(uploads, { recursive: true });
    await writeFile(join(uploads, 'waiting.txt'), 'there before dev started');
    const args = ['dev', fixture('pipeline.ts'), '--port', '0', '--quiet-ms', '200'];
    const child = startCli([...args, '--root', root], { cwd: work.path });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((done) => child.on('close', done));

    try {
      await waitFor(() => /serving http:\/\/\S+/.test(stdout), 'the server URL');
      const url = /serving (http:\/\/\S+)/.exec(stdout)![1]!;
      expect(stdout).toContain(`hello  GET ${url}/hello/hello`);

      const response = await fetch(`${url}/hello/hello`);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('hello from cloudport');
      await waitFor(() => /\bhello +http +processed .*HTTP 200$/m.test(stdout), 'the HTTP line');

      await writeFile(join(uploads, 'dropped.txt'), 'dropped');
      const objectLines = () => stdout.match(/\bcopy +object +processed /gm)?.length ?? 0;
      await waitFor(() => objectLines() === 2, 'an object line for each file');
      await waitFor(() => /\bshout +queue +processed /m.test(stdout), 'the queue line');
    } finally {
      child.kill('SIGINT');
    }

    expect(await exited, stderr).toBe(0);
    expect(stderr).toContain('cloudport: stopping');
    for (const line of stdout.split('\n').filter((l) => /^\d\d:/.test(l))) {
      expect(line).toMatch(/^\d\d:\d\d:\d\d\.\d{3} {2}\w+ +(object|queue|http|schedule) +\w/);
    }
  });
});
