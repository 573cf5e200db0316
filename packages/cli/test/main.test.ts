import { describe, expect, it } from 'vitest';
import { EXIT, main } from '../src/index.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  const io = {
    stdout: { write: (text: string) => out.push(text) },
    stderr: { write: (text: string) => err.push(text) },
    cwd: '/',
    env: {},
  };

  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}

describe('main with injected streams', () => {
  it('writes help to the injected stdout and returns 0', async () => {
    const { io, stdout, stderr } = capture();

    const code = await main(['--help'], io);

    expect(code).toBe(EXIT.ok);
    expect(stdout()).toMatch(/^Usage: cloudport <command>/);
    expect(stderr()).toBe('');
  });

  it('returns 2 with one line on the injected stderr for an unknown command', async () => {
    const { io, stdout, stderr } = capture();

    const code = await main(['deploy'], io);

    expect(code).toBe(EXIT.error);
    expect(stdout()).toBe('');
    expect(stderr()).toBe(
      'cloudport: unknown command "deploy"; the commands are run, dev, invoke, dlq ' +
        '(see "cloudport --help")\n',
    );
  });

  it('resolves module paths against the injected working directory', async () => {
    const { io, stderr } = capture();

    const code = await main(['dlq', 'pipeline.ts'], { ...io, cwd: '/nowhere' });

    expect(code).toBe(EXIT.error);
    expect(stderr()).toContain('looked for /nowhere/pipeline.ts');
  });
});
