// The README's capability table is generated from the packages' declarations; CI runs the
// generator with --check, which must fail on a table that no longer matches them.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const SCRIPT = join(REPO, 'scripts/capability-table.mjs');

let dir: string;
let readme: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'capability-table-'));
  readme = await readFile(join(REPO, 'README.md'), 'utf8');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function generate(file: string, ...flags: string[]) {
  return spawnSync(process.execPath, [SCRIPT, '--readme', file, ...flags], {
    cwd: REPO,
    encoding: 'utf8',
  });
}

describe('the capability table generator', () => {
  it('passes --check on the committed README', async () => {
    const file = join(dir, 'current.md');
    await writeFile(file, readme);

    expect(generate(file, '--check').status).toBe(0);
  });

  it('fails --check when a cell no longer matches, and rewrites the table without it', async () => {
    const file = join(dir, 'stale.md');
    const row = '| Store: Signed URLs';
    expect(readme).toContain(row);
    await writeFile(file, readme.replace(row, '| Store: Signed links'));

    const check = generate(file, '--check');
    expect(check.status).toBe(1);
    expect(check.stderr).toContain('out of date');

    expect(generate(file).status).toBe(0);
    expect(await readFile(file, 'utf8')).toBe(readme);
  });

  it('fails when the README has no generated section', async () => {
    const file = join(dir, 'bare.md');
    await writeFile(file, '# no table here\n');

    const check = generate(file, '--check');
    expect(check.status).toBe(1);
    expect(check.stderr).toContain('capabilities:start');
  });
});
