import {
  AWS_LIMITS,
  AZURE_LIMITS,
  type Bounds,
  GCP_LIMITS,
  type LimitProfile,
  PROVIDER_LIMITS,
  type ProviderLimits,
} from '@cloudport/core';
import { describe, expect, it } from 'vitest';

const GROUPS = ['queue', 'store', 'function'] as const;

function isBounds(value: unknown): value is Bounds {
  return typeof value === 'object' && value !== null && 'default' in value;
}

function lookup(limits: ProviderLimits, path: string): unknown {
  return path.split('.').reduce<unknown>((node, part) => {
    return typeof node === 'object' && node !== null ? Reflect.get(node, part) : undefined;
  }, limits);
}

const providers = (Object.keys(PROVIDER_LIMITS) as LimitProfile[]).map((profile) => ({
  profile,
  limits: PROVIDER_LIMITS[profile],
}));

describe('provider limits', () => {
  it('knows aws, gcp and azure, each under its own name', () => {
    expect(PROVIDER_LIMITS).toEqual({ aws: AWS_LIMITS, gcp: GCP_LIMITS, azure: AZURE_LIMITS });
    for (const { profile, limits } of providers) expect(limits.provider).toBe(profile);
  });

  it.each(providers)('$profile has the same fields as every other provider', ({ limits }) => {
    for (const group of GROUPS) {
      expect(Object.keys(limits[group]).sort()).toEqual(Object.keys(AWS_LIMITS[group]).sort());
    }
  });

  it.each(providers)('$profile gives every figure as a positive number or 0', ({ limits }) => {
    for (const group of GROUPS) {
      for (const [field, value] of Object.entries(limits[group])) {
        const numbers = isBounds(value) ? [value.min, value.max, value.default] : [value];
        for (const number of numbers) {
          expect(Number.isNaN(number), `${group}.${field}`).toBe(false);
          expect(number, `${group}.${field}`).toBeGreaterThanOrEqual(0);
        }
      }
    }
  });

  it.each(providers)('$profile keeps every default within its bounds', ({ limits }) => {
    const bounds = GROUPS.flatMap((group) => Object.values(limits[group])).filter(isBounds);

    expect(bounds.length).toBeGreaterThan(0);
    for (const { min, max, default: value } of bounds) {
      expect(min).toBeLessThanOrEqual(value);
      expect(value).toBeLessThanOrEqual(max);
    }
  });

  it.each(providers)('$profile cites a source for every figure', ({ limits }) => {
    const figures = GROUPS.flatMap((group) =>
      Object.keys(limits[group]).map((f) => `${group}.${f}`),
    );

    expect(figures.length).toBeGreaterThanOrEqual(16);
    for (const figure of figures) expect(limits.sources[figure], figure).toMatch(/\S/);
  });

  it.each(providers)('$profile cites sources only for figures that exist', ({ limits }) => {
    for (const path of Object.keys(limits.sources)) {
      expect(lookup(limits, path), path).toBeDefined();
    }
  });

  it.each(providers)('$profile fits a largest message into one batch', ({ limits }) => {
    expect(limits.queue.maxBatchBytes).toBeGreaterThanOrEqual(limits.queue.maxMessageBytes);
    expect(limits.queue.maxBatchEntries).toBeGreaterThanOrEqual(1);
    expect(limits.queue.maxTriggerBatchSize).toBeGreaterThanOrEqual(1);
  });
});
