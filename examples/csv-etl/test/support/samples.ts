import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A CSV file to upload: its key and its text. */
export interface Sample {
  key: string;
  text: string;
}

/** The committed sample files in `data/`. */
export const DATA_DIR = fileURLToPath(new URL('../../data/', import.meta.url));

/** The small committed samples (the large generated file is left to the e2e test). */
export function committedSamples(): Sample[] {
  return readdirSync(DATA_DIR)
    .filter((name) => name.endsWith('.csv') && !name.includes('large'))
    .sort()
    .map((name) => ({ key: name, text: readFileSync(join(DATA_DIR, name), 'utf8') }));
}

/** A file of `rows` orders with an invalid row every 97th line, to span several batches. */
export function manyOrders(key: string, rows: number): Sample {
  const lines = ['order_id,order_date,region,sku,quantity,unit_price'];
  for (let n = 1; n <= rows; n++) {
    const region = ['north', 'south', 'east', 'west'][n % 4];
    const sku = ['KB-101', 'MS-220', 'HD-350'][n % 3];
    const quantity = n % 97 === 0 ? 'lots' : String(1 + (n % 7));
    lines.push(
      `M-${n},2026-03-${String(1 + (n % 28)).padStart(2, '0')},${region},${sku},${quantity},` +
        `${n % 50}.${n % 10}5`,
    );
  }

  return { key, text: `${lines.join('\n')}\n` };
}

/** A file whose quoting breaks after `rows` good rows: rejected as a whole. */
export function brokenOrders(key: string, rows: number): Sample {
  const good = manyOrders(key, rows).text;

  return {
    key,
    text: `${good}B-1,2026-03-01,"north,KB-101,1,1.00\nB-2,2026-03-01,north,KB-101,1,1.00\n`,
  };
}
