/**
 * The few operations Pollen needs on DDSketch (@datadog/sketches-js): make one, merge one into
 * another, and read its percentiles.
 *
 * DDSketch maps each value v > 0 to the bucket key ceil(log_γ v), γ = (1 + α)/(1 − α), and answers a
 * quantile with its bucket's representative value, which is within relative error α of the exact
 * quantile (the sorted value of rank ⌊q × (n − 1)⌋). Two sketches with the same α merge exactly by
 * adding bucket counts. Values at or below the smallest float go to a zero bucket.
 *
 * Merging goes through `store.add` and never through the library's `merge`: 2.1.1's DenseStore.merge
 * mishandles a source whose highest key is 0 (values in (1/γ, 1], i.e. about 1 s) — it calls
 * `_extendRange(min, 0)`, reads `0 || min`, and leaves NaN bins (p99 of {0.01, 0.5, 1.0} came out 0.5).
 */
import type { LatencyStats } from '@/lib/api/metrics';
import { DDSketch } from '@datadog/sketches-js';

/** Values below this many seconds count as zero; above MAX_VALUE they are clamped. Bounds the key range. */
export const MIN_VALUE = 1e-6;
export const MAX_VALUE = 1e7;

export function newSketch(relativeAccuracy: number): DDSketch {
  return new DDSketch({ relativeAccuracy });
}

/** Adds one observation, clamped to [MIN_VALUE, MAX_VALUE] (below: zero). NaN and ±∞ are ignored. */
export function observe(sketch: DDSketch, value: number): void {
  if (!Number.isFinite(value)) return;
  sketch.accept(value < MIN_VALUE ? 0 : value > MAX_VALUE ? MAX_VALUE : value);
}

/** Adds everything `source` holds into `target` (same relative accuracy). */
export function addSketch(target: DDSketch, source: DDSketch): void {
  if (source.count === 0) return;
  const store = source.store;
  if (store.count > 0) {
    const bins = store.bins;
    for (let key = store.minKey; key <= store.maxKey; key++) {
      const count = bins[key - store.offset] ?? 0;
      if (count > 0) target.store.add(key, count);
    }
  }
  addSummary(target, source.count, source.zeroCount, source.sum, source.min, source.max);
}

/** Adds the totals of `count` observations whose bucket counts the caller adds to `target.store`. */
export function addSummary(target: DDSketch, count: number, zeroCount: number, sum: number, min: number, max: number): void {
  target.count += count;
  target.zeroCount += zeroCount;
  target.sum += sum;
  if (min < target.min) target.min = min;
  if (max > target.max) target.max = max;
}

/** Seconds; quantiles are within the sketch's relative accuracy, min/max/mean are exact. The API sends it as it is. */
export type LatencySummary = LatencyStats;

export const EMPTY_SUMMARY: LatencySummary = { count: 0, min: null, max: null, mean: null, p50: null, p90: null, p99: null };

export function summarize(sketch: DDSketch): LatencySummary {
  if (sketch.count === 0) return EMPTY_SUMMARY;
  // The bucket value can stray outside [min, max] by up to α; clamp so p99 ≤ max, as readers expect.
  const at = (q: number): number => Math.min(sketch.max, Math.max(sketch.min, sketch.getValueAtQuantile(q)));
  return {
    count: sketch.count,
    min: sketch.min,
    max: sketch.max,
    mean: sketch.sum / sketch.count,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
  };
}
