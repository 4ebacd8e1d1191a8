import type { DDSketch } from '@datadog/sketches-js';
import { describe, expect, it } from 'vitest';
import { SketchArena } from './sketch-arena';
import { newSketch, observe, summarize } from './sketch-ops';
import { logNormal, seeded } from './test-random';

function sketchOf(values: readonly number[]): DDSketch {
  const sketch = newSketch(0.01);
  for (const v of values) observe(sketch, v);
  return sketch;
}

function records(arena: SketchArena, from = 0, to = Infinity): { time: number; series: number; kind: number; sketch: DDSketch }[] {
  const out: { time: number; series: number; kind: number; sketch: DDSketch }[] = [];
  arena.forEach(from, to, (pos) => {
    const sketch = newSketch(0.01);
    arena.mergeInto(pos, sketch);
    out.push({ time: arena.timeAt(pos), series: arena.seriesAt(pos), kind: arena.kindAt(pos), sketch });
  });
  return out;
}

function quantiles(sketch: DDSketch): number[] {
  return Array.from({ length: 101 }, (_, i) => sketch.getValueAtQuantile(i / 100));
}

describe('SketchArena', () => {
  const random = seeded(11);
  const shapes: Record<string, number[]> = {
    'narrow (dense)': Array.from({ length: 500 }, () => 0.05 * (1 + random() * 0.3)),
    'outliers (sparse)': [0.001, 0.001, 0.002, 5, 7.5, 3600, 0, 0],
    'wide log-normal': Array.from({ length: 2000 }, () => logNormal(random, -3, 2)),
  };
  for (const [label, values] of Object.entries(shapes)) {
    it(`gives back what it packed: ${label}`, () => {
      const arena = new SketchArena(1 << 16);
      const original = sketchOf(values);
      arena.append(42, 7, 2, original);
      const [record] = records(arena);
      expect(record).toMatchObject({ time: 42, series: 7, kind: 2 });
      const copy = (record as { sketch: DDSketch }).sketch;
      expect(quantiles(copy)).toEqual(quantiles(original));
      expect(summarize(copy)).toEqual(summarize(original));
      expect(copy.zeroCount).toBe(original.zeroCount);
    });
  }

  it('packs an empty sketch and a sketch of zeros', () => {
    const arena = new SketchArena(1024);
    arena.append(1, 0, 0, newSketch(0.01));
    arena.append(1, 1, 0, sketchOf([0, 0, 0]));
    const [empty, zeros] = records(arena);
    expect(empty?.sketch.count).toBe(0);
    expect(summarize(zeros?.sketch as DDSketch)).toMatchObject({ count: 3, p99: 0, max: 0 });
  });

  it('visits the records of a time range in order and trims the old ones', () => {
    const arena = new SketchArena(1 << 16);
    for (let t = 10; t < 20; t++) arena.append(t, t % 3, 0, sketchOf([t]));
    expect(records(arena, 12, 14).map((r) => r.time)).toEqual([12, 13, 14]);
    arena.trimBefore(15);
    expect(arena.records).toBe(5);
    expect(arena.oldestTime).toBe(15);
    expect(records(arena).map((r) => r.sketch.max)).toEqual([15, 16, 17, 18, 19]);
    expect(arena.evicted).toBe(0);
  });

  it('stays within its budget, growing then dropping the oldest, across many wrap-arounds', () => {
    const budget = 3000;
    const arena = new SketchArena(budget, 64);
    const appended: { time: number; series: number; count: number; max: number }[] = [];
    const rnd = seeded(3);
    for (let time = 0; time < 3000; time++) {
      // Sizes from a header alone to a few hundred words, dense and sparse.
      const n = Math.floor(rnd() * 40);
      const spread = rnd() < 0.5 ? 0.2 : 6;
      const values = Array.from({ length: n }, () => logNormal(rnd, -2, spread));
      const sketch = sketchOf(values);
      arena.append(time, time % 17, time % 3, sketch);
      appended.push({ time, series: time % 17, count: sketch.count, max: sketch.max });
      expect(arena.capacityBytes).toBeLessThanOrEqual(budget * 4);
      if (time % 97 === 0 || time === 2999) {
        const kept = records(arena);
        const expected = appended.slice(appended.length - kept.length);
        expect(kept.map((r) => ({ time: r.time, series: r.series, count: r.sketch.count, max: r.sketch.max }))).toEqual(expected);
        expect(kept.length).toBe(arena.records);
        expect(arena.evicted).toBe(appended.length - kept.length);
      }
    }
    expect(arena.capacityBytes).toBe(budget * 4);
    expect(arena.records).toBeGreaterThan(10);
    expect(arena.evicted).toBeGreaterThan(2000);
  });

  it('skips a record larger than the whole budget', () => {
    const arena = new SketchArena(40);
    arena.append(1, 0, 0, sketchOf([1]));
    arena.append(2, 0, 0, sketchOf(Array.from({ length: 30 }, (_, i) => 0.001 * 1.5 ** i)));
    arena.append(3, 0, 0, sketchOf([2]));
    expect(records(arena).map((r) => r.time)).toEqual([1, 3]);
    expect(arena.evicted).toBe(0);
    expect(arena.usedBytes).toBe(2 * 12 * 4);
  });
});
