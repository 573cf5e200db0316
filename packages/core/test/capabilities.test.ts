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

  it('heads the table with one column per implementation', () => {
    expect(lines[0]).toBe('| feature | Local | Cloud | Other |');
    expect(lines[1]).toBe('|---|---|---|---|');
  });

  it('writes one row per feature, titled by group and feature, in declaration order', () => {
    const rows = lines.slice(2, 2 + FEATURES.length);

    expect(rows.map((row) => row.split(' | ')[0])).toEqual(
      FEATURES.map((f) => `| ${f.group}: ${f.title}`),
    );
    expect(lines[2 + FEATURES.length]).toBe('');
  });

  it('numbers notes in row order and lists them as footnotes after the table', () => {
    expect(lines).toContain('| Triggers: HTTP | yes | partial [1] | not yet |');
    expect(lines).toContain('| Store: Copy | yes | yes [2] | not yet |');
    expect(lines).toContain('| Queue: Delayed delivery | yes | no [3] | not yet |');
    expect(lines.slice(-3)).toEqual([
      '[1] Cloud, HTTP: no streaming responses',
      '[2] Cloud, Copy: server-side',
      '[3] Cloud, Delayed delivery: the queue has no delay',
    ]);
  });

  it('reads "not yet" in every row of a planned column', () => {
    const rows = lines.slice(2, 2 + FEATURES.length);

    expect(rows.every((row) => row.endsWith(' | not yet |'))).toBe(true);
  });

  it('ends at the last row, with no trailing blank line, when there are no notes', () => {
    const plain = renderCapabilityTable([local]).split('\n');

    expect(plain).toHaveLength(2 + FEATURES.length);
    expect(plain.at(-1)).toBe('| Queue: Dead-letter after the last attempt | yes |');
  });
});
