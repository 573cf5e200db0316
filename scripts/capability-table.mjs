#!/usr/bin/env node
// Regenerates the capability table in README.md from the packages' declarations.
// `--check` changes nothing and fails when the README is out of date; `--readme PATH` works on
// another file (the tests use it).
import { readFile, writeFile } from 'node:fs/promises';
import { renderCapabilityTable } from '@cloudport/core';
import { LOCAL_CAPABILITIES } from '@cloudport/local';

const START = '<!-- capabilities:start -->';
const END = '<!-- capabilities:end -->';
const readmeFlag = process.argv.indexOf('--readme');
const readme =
  readmeFlag > 0 ? process.argv[readmeFlag + 1] : new URL('../README.md', import.meta.url);

/** Declarations in column order; providers without a package yet are planned columns. */
export async function columns() {
  const declared = [LOCAL_CAPABILITIES];
  for (const [name, title] of [
    ['aws', 'AWS'],
    ['gcp', 'GCP'],
    ['azure', 'Azure'],
  ]) {
    const module = await importIfInstalled(`@cloudport/${name}`);
    if (module === undefined) {
      declared.push({ title, planned: true });
      continue;
    }
    const capabilities = module[`${name.toUpperCase()}_CAPABILITIES`];
    if (capabilities === undefined) {
      throw new Error(`@cloudport/${name} exports no ${name.toUpperCase()}_CAPABILITIES.`);
    }
    declared.push(capabilities);
  }
  return declared;
}

/** Imports a package, or gives undefined when it is not installed; any other failure throws. */
async function importIfInstalled(specifier) {
  try {
    return await import(specifier);
  } catch (error) {
    const missing = error?.code === 'ERR_MODULE_NOT_FOUND' && error.message.includes(specifier);
    if (missing) return undefined;
    throw error;
  }
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
