#!/usr/bin/env node
// Writes the large sample file, the same bytes on every machine: a year of orders from a
// seeded generator, with a few invalid rows at fixed places. Skips the work when the file is
// already there (pass --force to rewrite it).
//
//   node scripts/generate-data.mjs [--rows 200000] [--out data/orders-2025-large.csv] [--force]

import { once } from 'node:events';
import { createWriteStream, existsSync, renameSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SEED = 20_250_101;
const INVALID_EVERY = 40_000;

const REGIONS = ['north', 'north', 'south', 'east', 'east', 'east', 'west', 'central'];
const CATALOGUE = [
  { sku: 'KB-101', cents: 4990 },
  { sku: 'KB-102', cents: 8900 },
  { sku: 'MS-220', cents: 1999 },
  { sku: 'MS-221', cents: 3450 },
  { sku: 'MN-270', cents: 18_900 },
  { sku: 'MN-320', cents: 42_900 },
  { sku: 'HD-350', cents: 7950 },
  { sku: 'CB-010', cents: 625 },
  { sku: 'CB-020', cents: 1175 },
  { sku: 'DK-500', cents: 32_900 },
  { sku: 'LP-900', cents: 129_900 },
  { sku: 'WC-040', cents: 5400 },
];
// Broken rows placed every INVALID_EVERY lines, each with a different problem.
const BROKEN = [
  (row) => ({ ...row, quantity: '' }),
  (row) => ({ ...row, price: '12.345' }),
  (row) => ({ ...row, date: '2025-02-30' }),
  (row) => ({ ...row, sku: undefined }),
  (row) => ({ ...row, quantity: '-3' }),
];

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '200000' },
    out: { type: 'string', default: 'data/orders-2025-large.csv' },
    force: { type: 'boolean', default: false },
  },
});
const rowCount = Number(values.rows);
if (!Number.isSafeInteger(rowCount) || rowCount < 1) {
  throw new Error(`--rows ${values.rows} must be a whole number above 0.`);
}
const target = resolve(PACKAGE_DIR, values.out);

if (existsSync(target) && !values.force) {
  console.log(`${relative(process.cwd(), target)} exists; pass --force to write it again.`);
} else {
  await generate(target, rowCount);
  console.log(`wrote ${rowCount} rows to ${relative(process.cwd(), target)}`);
}

async function generate(path, count) {
  await mkdir(dirname(path), { recursive: true });
  // Written aside and renamed, so an interrupted run never leaves a truncated file behind.
  const partial = `${path}.partial`;
  const out = createWriteStream(partial);
  const next = createRandom(SEED);
  const pick = (list) => list[Math.floor(next() * list.length)];
  out.write('order_id,order_date,region,sku,quantity,unit_price\n');
  for (let n = 1; n <= count; n++) {
    let row = makeRow(n, next, pick);
    if (n % INVALID_EVERY === 0) row = BROKEN[(n / INVALID_EVERY - 1) % BROKEN.length](row);
    const fields = [row.id, row.date, row.region, row.sku, row.quantity, row.price];
    const line = `${fields.filter((field) => field !== undefined).join(',')}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  renameSync(partial, path);
}

function makeRow(n, next, pick) {
  const item = pick(CATALOGUE);
  const day = Math.floor(next() * 365);
  const date = new Date(Date.UTC(2025, 0, 1 + day)).toISOString().slice(0, 10);
  // Most lines are small; a few are bulk orders.
  const quantity = next() < 0.05 ? 20 + Math.floor(next() * 180) : 1 + Math.floor(next() * 6);
  // One line in eight carries a discount of 5 to 25 percent, rounded to the cent.
  const discount = next() < 0.125 ? 5 + Math.floor(next() * 21) : 0;
  const cents = Math.round((item.cents * (100 - discount)) / 100);

  return {
    id: `L-${String(n).padStart(7, '0')}`,
    date,
    region: pick(REGIONS),
    sku: item.sku,
    quantity: String(quantity),
    price: formatCents(cents),
  };
}

function formatCents(cents) {
  const whole = Math.trunc(cents / 100);
  const rest = cents % 100;

  return rest === 0 ? String(whole) : `${whole}.${String(rest).padStart(2, '0')}`;
}

// xorshift32 (Marsaglia): tiny, fast and the same on every platform; not for cryptography.
function createRandom(seed) {
  let state = seed >>> 0 || 1;

  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x1_0000_0000;
  };
}
