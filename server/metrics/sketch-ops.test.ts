import { DDSketch } from '@datadog/sketches-js';
import { describe, expect, it } from 'vitest';
import { addSketch, EMPTY_SUMMARY, MAX_VALUE, newSketch, observe, summarize } from './sketch-ops';
import { exactQuantile, logNormal, seeded } from './test-random';

const ALPHA = 0.01;

function expectWithin(estimate: number | null, exact: number, alpha = ALPHA): void {
  expect(estimate).not.toBeNull();
  expect(Math.abs((estimate as number) - exact)).toBeLessThanOrEqual(alpha * exact + 1e-12);
}

function sketchOf(values: readonly number[]): DDSketch {
  const sketch = newSketch(ALPHA);
  for (const v of values) observe(sketch, v);
  return sketch;
}

const random = seeded(7);
const DISTRIBUTIONS: Record<string, number[]> = {
  'log-normal runtimes around 50 ms': Array.from({ length: 20_000 }, () => logNormal(random, Math.log(0.05), 1)),
  'bimodal waits (0.5 ms and 10 s)': Array.from({ length: 20_000 }, (_, i) => (i % 10 === 0 ? 10 + random() : 0.0005 * (1 + random()))),
  'values around 1 s (bucket key 0)': Array.from({ length: 5_000 }, () => 0.95 + random() * 0.1),
  'uniform 0 – 100 s': Array.from({ length: 20_000 }, () => random() * 100),
};

describe('DDSketch as Pollen uses it', () => {
  for (const [label, values] of Object.entries(DISTRIBUTIONS)) {
    it(`p50/p90/p99 within 1 % of the exact values, min/max/mean exact: ${label}`, () => {
      const sorted = [...values].sort((a, b) => a - b);
      const summary = summarize(sketchOf(values));
      expect(summary.count).toBe(values.length);
      expectWithin(summary.p50, exactQuantile(sorted, 0.5));
      expectWithin(summary.p90, exactQuantile(sorted, 0.9));
      expectWithin(summary.p99, exactQuantile(sorted, 0.99));
      expect(summary.max).toBe(sorted[sorted.length - 1]);
      expect(summary.min).toBe(sorted[0]);
      expect(summary.mean).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 9);
    });
  }

  it('merges exactly: the merge of parts answers as the sketch of the whole', () => {
    const values = DISTRIBUTIONS['log-normal runtimes around 50 ms'] as number[];
    const whole = summarize(sketchOf(values));
    const merged = newSketch(ALPHA);
    for (let i = 0; i < values.length; i += 1000) addSketch(merged, sketchOf(values.slice(i, i + 1000)));
    const { mean, ...rest } = summarize(merged);
    expect(rest).toEqual({ count: whole.count, min: whole.min, max: whole.max, p50: whole.p50, p90: whole.p90, p99: whole.p99 });
    expect(mean).toBeCloseTo(whole.mean as number, 12);
  });

  it('merges a part whose highest key is 0 (where the library merge loses counts)', () => {
    const merged = newSketch(ALPHA);
    addSketch(merged, sketchOf([0.01]));
    addSketch(merged, sketchOf([0.5, 1.0]));
    const summary = summarize(merged);
    expect(summary.count).toBe(3);
    expectWithin(summary.p99, 0.5); // rank ⌊0.99 × 2⌋ = 1
    expect(merged.store.bins.some(Number.isNaN)).toBe(false);
    expectWithin(merged.getValueAtQuantile(1), 1.0);
  });

  it('counts sub-microsecond and negative values as zero, clamps huge ones, ignores NaN', () => {
    const sketch = sketchOf([0, -3, 1e-9, 2e9, Number.NaN, Number.POSITIVE_INFINITY, 0.2]);
    expect(sketch.count).toBe(5);
    expect(sketch.zeroCount).toBe(3);
    const summary = summarize(sketch);
    expect(summary.max).toBe(MAX_VALUE);
    expect(summary.min).toBe(0);
    expect(summary.p50).toBe(0);
    expect(summarize(newSketch(ALPHA))).toBe(EMPTY_SUMMARY);
  });
});
