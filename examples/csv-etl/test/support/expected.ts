// An independent reading of the sample data, written apart from the pipeline's code, so that the
// tests compare the pipeline with a second implementation rather than with itself.

/** Totals of a group of orders. */
export interface Expected {
  orders: number;
  quantity: number;
  revenueCents: number;
}

/** What one file should contribute. */
export interface ExpectedFile {
  key: string;
  rejected: boolean;
  valid: number;
  invalidLines: number[];
  totals: Expected;
  byRegion: Map<string, Expected>;
  bySku: Map<string, Expected>;
}

const REQUIRED = ['order_id', 'order_date', 'region', 'sku', 'quantity', 'unit_price'];
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Splits CSV text into records, each with the line it starts on; null on broken quoting. */
export function splitCsv(text: string): Array<{ line: number; fields: string[] }> | null {
  const records: Array<{ line: number; fields: string[] }> = [];
  const source = text.startsWith('\ufeff') ? text.slice(1) : text;
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  let blank = true;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (quoted) {
      if (c === '"' && source[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
        const after = source[i + 1];
        if (after !== undefined && after !== ',' && after !== '\n' && after !== '\r') return null;
      } else {
        if (c === '\n') line++;
        field += c;
      }
      continue;
    }
    if (c === '"' && field === '') {
      quoted = true;
      blank = false;
    } else if (c === ',') {
      fields.push(field);
      field = '';
      blank = false;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && source[i + 1] === '\n') i++;
      if (!blank || field !== '') records.push({ line: start, fields: [...fields, field] });
      fields = [];
      field = '';
      blank = true;
      line++;
      start = line;
    } else {
      field += c;
      blank = false;
    }
  }
  if (quoted) return null;
  if (!blank || field !== '') records.push({ line: start, fields: [...fields, field] });

  return records.map((r) => ({ line: r.line, fields: r.fields.map((f) => f.trim()) }));
}

/** What the pipeline should report for one file, computed from the text. */
export function expectFile(key: string, text: string): ExpectedFile {
  const result: ExpectedFile = {
    key,
    rejected: false,
    valid: 0,
    invalidLines: [],
    totals: { orders: 0, quantity: 0, revenueCents: 0 },
    byRegion: new Map(),
    bySku: new Map(),
  };
  const records = splitCsv(text);
  const header = records?.[0]?.fields.map((name) => name.toLowerCase());
  if (!records || !header || REQUIRED.some((name) => !header.includes(name))) {
    return { ...result, rejected: true };
  }
  const at = (name: string) => header.indexOf(name);
  for (const { line, fields } of records.slice(1)) {
    const get = (name: string) => fields[at(name)] ?? '';
    const quantity = get('quantity');
    const cents = centsOf(get('unit_price'));
    const ok =
      fields.length === header.length &&
      ['order_id', 'region', 'sku'].every((name) => get(name) !== '' && get(name).length <= 40) &&
      isDate(get('order_date')) &&
      /^[0-9]+$/.test(quantity) &&
      Number(quantity) >= 1 &&
      Number(quantity) <= 10_000 &&
      cents !== null;
    if (!ok) {
      result.invalidLines.push(line);
      continue;
    }
    const add = { orders: 1, quantity: Number(quantity), revenueCents: Number(quantity) * cents };
    result.valid++;
    addTo(result.totals, add);
    addTo(group(result.byRegion, get('region')), add);
    addTo(group(result.bySku, get('sku')), add);
  }

  return result;
}

/** Adds files up, counting only those that were not rejected. */
export function expectOverall(files: ExpectedFile[]) {
  const totals = { orders: 0, quantity: 0, revenueCents: 0 };
  const byRegion = new Map<string, Expected>();
  const bySku = new Map<string, Expected>();
  let invalid = 0;
  for (const file of files.filter((f) => !f.rejected)) {
    addTo(totals, file.totals);
    invalid += file.invalidLines.length;
    for (const [name, value] of file.byRegion) addTo(group(byRegion, name), value);
    for (const [name, value] of file.bySku) addTo(group(bySku, name), value);
  }

  return { totals, byRegion, bySku, invalid, rejected: files.filter((f) => f.rejected).length };
}

function centsOf(text: string): number | null {
  const [whole, fraction = '', extra] = text.split('.');
  if (extra !== undefined || !/^[0-9]+$/.test(whole ?? '') || !/^[0-9]{0,2}$/.test(fraction)) {
    return null;
  }
  if (text.endsWith('.')) return null;
  const cents = Number(whole) * 100 + Number(fraction.padEnd(2, '0'));

  return cents <= 10_000_000 ? cents : null;
}

function isDate(text: string): boolean {
  const parts = text.split('-');
  if (parts.length !== 3 || parts[0]?.length !== 4 || parts[1]?.length !== 2) return false;
  if (parts[2]?.length !== 2 || !parts.every((p) => /^[0-9]+$/.test(p))) return false;
  const [year, month, day] = parts.map(Number) as [number, number, number];
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];

  return year >= 100 && days !== undefined && day >= 1 && day <= days;
}

function group(map: Map<string, Expected>, name: string): Expected {
  const found = map.get(name) ?? { orders: 0, quantity: 0, revenueCents: 0 };
  map.set(name, found);

  return found;
}

function addTo(target: Expected, add: Expected): void {
  target.orders += add.orders;
  target.quantity += add.quantity;
  target.revenueCents += add.revenueCents;
}
