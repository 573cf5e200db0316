#!/usr/bin/env node
// Regenerates the capability table in README.md from the packages' declarations.
// `--check` changes nothing and fails when the README is out of date.
import { readFile, writeFile } from 'node:fs/promises';
import { renderCapabilityTable } from '@cloudport/core';
import { LOCAL_CAPABILITIES } from '@cloudport/local';

const START = '<!-- capabilities:start -->';
const END = '<!-- capabilities:end -->';
const readme = new URL('../README.md', import.meta.url);

/** Declarations in column order; providers without a package yet are planned columns. */
export async function columns() {
  const declared = [LOCAL_CAPABILITIES];
  for (const [name, title] of [
    ['aws', 'AWS'],
    ['gcp', 'GCP'],
    ['azure', 'Azure'],
  ]) {
    const capabilities = await import(`@cloudport/${name}`)
      .then((module) => module[`${name.toUpperCase()}_CAPABILITIES`])
      .catch(() => undefined);
    declared.push(capabilities ?? { title, planned: true });
  }
  return declared;
}

const text = await readFile(readme, 'utf8');
const start = text.indexOf(START);
const end = text.indexOf(END);
if (start < 0 || end < start) {
  process.stderr.write(`README.md has no ${START} ... ${END} section.\n`);
  process.exit(1);
}
const table = renderCapabilityTable(await columns());
const next = `${text.slice(0, start + START.length)}\n${table}\n${text.slice(end)}`;
if (process.argv.includes('--check')) {
  if (next !== text) {
    process.stderr.write('README.md capability table is out of date: run npm run capabilities.\n');
    process.exit(1);
  }
  process.stdout.write('README.md capability table matches the declarations.\n');
} else if (next !== text) {
  await writeFile(readme, next);
  process.stdout.write('README.md capability table updated.\n');
}
