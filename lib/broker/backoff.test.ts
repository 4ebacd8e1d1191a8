import { expect, it } from 'vitest';
import { BACKOFF_CAP_MS, backoffDelay } from './backoff';

it('grows exponentially from 100 ms, is capped at 1.5 s, and jitters by ±20 %', () => {
  const mid = () => 0.5;
  expect([1, 2, 3, 4, 5, 8, 20, 1000].map((n) => backoffDelay(n, mid))).toEqual([100, 200, 400, 800, 1500, 1500, 1500, 1500]);
  expect(backoffDelay(1, () => 0)).toBe(80);
  expect(backoffDelay(1, () => 1)).toBe(120);
  // A broker that is back is tried again within 2 s at the latest, whatever the jitter.
  expect(backoffDelay(50, () => 1)).toBe(BACKOFF_CAP_MS * 1.2);
  expect(BACKOFF_CAP_MS * 1.2).toBeLessThanOrEqual(2000);
});
