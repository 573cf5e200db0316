import {
  type CapabilityDeclaration,
  FEATURES,
  type FeatureId,
  type FeatureSupport,
  renderCapabilityTable,
  supportOf,
  supports,
} from '@cloudport/core';
import { describe, expect, it } from 'vitest';

function declare(
  implementation: string,
  title: string,
  overrides: Partial<Record<FeatureId, FeatureSupport>> = {},
): CapabilityDeclaration {
  const features = Object.fromEntries(FEATURES.map((f) => [f.id, { support: 'yes' }]));

  return {
    implementation,
    title,
    features: { ...features, ...overrides },
  } as CapabilityDeclaration;
}

const local = declare('local', 'Local');
const cloud = declare('cloud', 'Cloud', {
  'trigger.http': { support: 'partial', note: 'no streaming responses' },
  'queue.delay': { support: 'no', note: 'the queue has no delay' },
  'store.copy': { support: 'yes', note: 'server-side' },
});

describe('supportOf and supports', () => {
  it.each<{ feature: FeatureId; level: string; supported: boolean }>([
    { feature: 'trigger.queue', level: 'yes', supported: true },
    { feature: 'trigger.http', level: 'partial', supported: true },
    { feature: 'queue.delay', level: 'no', supported: false },
  ])('reads $feature as $level', ({ feature, level, supported }) => {
    expect(supportOf(cloud, feature)).toBe(level);
    expect(supports(cloud, feature)).toBe(supported);
  });
});

describe('renderCapabilityTable', () => {
  const table = renderCapabilityTable([local, cloud, { title: 'Other', planned: true }]);
  const lines = table.split('\n');
  const cells = (line: string) =>
    line
      .slice(1, -1)
      .split('|')
      .map((cell) => cell.trim());
  const rows = lines.slice(2, 2 + FEATURES.length);

  it('heads the table with one column per implementation', () => {
    expect(cells(lines[0]!)).toEqual(['feature', 'Local', 'Cloud', 'Other']);
    expect(cells(lines[1]!).every((rule) => /^-+$/.test(rule))).toBe(true);
  });

  it('pads every cell to its column width, as a Markdown formatter leaves a table', () => {
    const widths = lines
      .slice(0, 2 + FEATURES.length)
      .map((line) => line.split('|').map((c) => c.length));

    expect(new Set(widths.map((w) => w.join(','))).size).toBe(1);
  });

  it('writes one row per feature, titled by group and feature, in declaration order', () => {
    expect(rows.map((row) => cells(row)[0])).toEqual(FEATURES.map((f) => `${f.group}: ${f.title}`));
    expect(lines[2 + FEATURES.length]).toBe('');
  });

  it('numbers notes in row order and lists them as footnotes after the table', () => {
    const table = rows.map(cells);
    expect(table).toContainEqual(['Triggers: HTTP', 'yes', 'partial [1]', 'not yet']);
    expect(table).toContainEqual(['Store: Copy', 'yes', 'yes [2]', 'not yet']);
    expect(table).toContainEqual(['Queue: Delayed delivery', 'yes', 'no [3]', 'not yet']);
    expect(lines.slice(-3)).toEqual([
      '[1] Cloud, HTTP: no streaming responses',
      '[2] Cloud, Copy: server-side',
      '[3] Cloud, Delayed delivery: the queue has no delay',
    ]);
  });

  it('reads "not yet" in every row of a planned column', () => {
    expect(rows.every((row) => cells(row).at(-1) === 'not yet')).toBe(true);
  });

  it('ends at the last row, with no trailing blank line, when there are no notes', () => {
    const plain = renderCapabilityTable([local]).split('\n');

    expect(plain).toHaveLength(2 + FEATURES.length);
    expect(cells(plain.at(-1)!)).toEqual(['Queue: Dead-letter after the last attempt', 'yes']);
  });
});
