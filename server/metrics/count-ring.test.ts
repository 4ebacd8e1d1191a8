import { describe, expect, it } from 'vitest';
import { CountRing } from './count-ring';

describe('CountRing', () => {
  it('counts into the bucket and counter given', () => {
    const ring = new CountRing(10, 3);
    ring.add(100, 0);
    ring.add(100, 0);
    ring.add(100, 2);
    ring.add(101, 1);
    expect([ring.get(100, 0), ring.get(100, 1), ring.get(100, 2)]).toEqual([2, 0, 1]);
    expect([ring.get(101, 0), ring.get(101, 1), ring.get(101, 2)]).toEqual([0, 1, 0]);
    expect(ring.get(102, 0)).toBe(0);
    const out = new Float64Array(3);
    ring.addTo(100, out);
    ring.addTo(101, out);
    expect([...out]).toEqual([2, 1, 1]);
  });

  it('reuses a slot only once its bucket has left the window, cleared', () => {
    const ring = new CountRing(10, 1);
    for (let b = 0; b < 10; b++) ring.add(b, 0);
    expect(ring.get(0, 0)).toBe(1);
    ring.add(10, 0); // slot of bucket 0
    ring.add(10, 0);
    expect(ring.get(0, 0)).toBe(0);
    expect(ring.get(10, 0)).toBe(2);
    expect(ring.get(1, 0)).toBe(1);
  });

  it('clears every slot passed over, and all of them after a gap longer than the window', () => {
    const ring = new CountRing(10, 1);
    for (let b = 0; b < 10; b++) ring.add(b, 0);
    ring.add(13, 0);
    expect([ring.get(9, 0), ring.get(10, 0), ring.get(11, 0), ring.get(12, 0), ring.get(13, 0)]).toEqual([1, 0, 0, 0, 1]);
    ring.add(13 + 25, 0);
    for (let b = 29; b < 38; b++) expect(ring.get(b, 0)).toBe(0);
    expect(ring.get(38, 0)).toBe(1);
  });

  it('refuses counts for buckets that left the window, takes late ones still in it', () => {
    const ring = new CountRing(10, 1);
    ring.add(50, 0);
    expect(ring.add(41, 0)).toBe(true);
    expect(ring.add(40, 0)).toBe(false);
    expect(ring.get(41, 0)).toBe(1);
    expect(ring.get(40, 0)).toBe(0);
    expect(ring.newest).toBe(50);
  });

  it('widens to 16 and 32 bits instead of wrapping at 255 and 65 535', () => {
    const ring = new CountRing(4, 2);
    expect(ring.bytes).toBe(8);
    for (let i = 0; i < 300; i++) ring.add(3, 1);
    expect(ring.bytes).toBe(16);
    for (let i = 300; i < 70_000; i++) ring.add(3, 1);
    ring.add(2, 0);
    expect(ring.get(3, 1)).toBe(70_000);
    expect(ring.get(2, 0)).toBe(1);
    expect(ring.bytes).toBe(32);
    const big = new CountRing(4, 1);
    big.add(0, 0, 100_000); // a spill can jump both steps at once
    expect(big.get(0, 0)).toBe(100_000);
  });

  it('spills each bucket into its coarse bucket when its slot is reused, losing nothing', () => {
    const coarse = new CountRing(100, 2);
    const fine = new CountRing(10, 2, coarse, 5);
    const random = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3, 2, 3, 8, 4];
    const written = new Map<number, number>();
    let bucket = 0;
    for (const step of random) {
      bucket += step; // gaps from 1 to 9 fine buckets
      fine.add(bucket, 1);
      written.set(Math.floor(bucket / 5), (written.get(Math.floor(bucket / 5)) ?? 0) + 1);
    }
    fine.add(bucket + 1000, 0); // a gap longer than the window spills everything left
    for (const [c, n] of written) expect(coarse.get(c, 1)).toBe(n);
    expect(coarse.get(Math.floor((bucket + 1000) / 5), 0)).toBe(0);
    expect(fine.get(bucket + 1000, 0)).toBe(1);
  });

  it('forgets everything on reset', () => {
    const ring = new CountRing(5, 1);
    ring.add(7, 0);
    ring.reset();
    expect(ring.get(7, 0)).toBe(0);
    ring.add(3, 0);
    expect(ring.get(3, 0)).toBe(1);
    expect(ring.get(7, 0)).toBe(0);
  });
});
