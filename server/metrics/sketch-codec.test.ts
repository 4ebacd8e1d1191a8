import { describe, expect, it } from 'vitest';
import { decodeSketch, encodeSketch } from './sketch-codec';
import { newSketch, observe, summarize } from './sketch-ops';
import { logNormal, seeded } from './test-random';

describe('sketch codec', () => {
  it('gives back the same distribution, in about two bytes a bin (the protobuf takes nine)', () => {
    const sketch = newSketch(0.01);
    const random = seeded(7);
    for (let i = 0; i < 5000; i++) observe(sketch, logNormal(random, -2, 1));
    observe(sketch, 0);
    const bytes = encodeSketch(sketch);
    const back = decodeSketch(bytes, 0.01);
    expect(summarize(back)).toEqual(summarize(sketch));
    expect(back.zeroCount).toBe(1);
    const bins = sketch.store.maxKey - sketch.store.minKey + 1;
    expect(bytes.length).toBeLessThanOrEqual(32 + 2 * bins);
  });

  it('keeps an empty sketch empty and negative keys (values under 1 s)', () => {
    expect(summarize(decodeSketch(encodeSketch(newSketch(0.01)), 0.01)).count).toBe(0);
    const small = newSketch(0.01);
    observe(small, 0.0001);
    observe(small, 0.002);
    expect(summarize(decodeSketch(encodeSketch(small), 0.01))).toEqual(summarize(small));
  });

  it('packs a quiet sketch by its non-empty bins only', () => {
    const quiet = newSketch(0.01);
    for (const value of [0.001, 0.5, 30, 4000]) observe(quiet, value);
    const bytes = encodeSketch(quiet);
    expect(bytes.length).toBeLessThanOrEqual(24 + 3 + 2 + 2 + 4 * 3);
    expect(summarize(decodeSketch(bytes, 0.01))).toEqual(summarize(quiet));
  });
});
