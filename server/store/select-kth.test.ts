import { describe, expect, it } from 'vitest';
import { seeded } from '../metrics/test-random';
import { kthSmallest } from './select-kth';

describe('the k-th smallest', () => {
  it('agrees with a sort for random values, many ties, sorted and reversed input', () => {
    const random = seeded(3);
    for (let round = 0; round < 300; round++) {
      const n = 1 + Math.floor(random() * 400);
      const kind = round % 4;
      const values = Array.from({ length: n }, (_, i) => (kind === 0 ? random() : kind === 1 ? Math.floor(random() * 5) : kind === 2 ? i : n - i));
      const sorted = [...values].sort((a, b) => a - b);
      const k = Math.floor(random() * n);
      expect(kthSmallest(Float64Array.from(values), k)).toBe(sorted[k]);
    }
  });
});
