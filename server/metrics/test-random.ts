import { seeded } from '@/test/fixtures/seeded-random';

export { seeded };

/** Log-normal values: exp(mu + sigma × N(0, 1)). */
export function logNormal(random: () => number, mu: number, sigma: number): number {
  const u = Math.max(random(), 1e-12);
  const v = random();
  return Math.exp(mu + sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
}

/** The value DDSketch estimates for quantile q: the sorted value of rank ⌊q × (n − 1)⌋. */
export function exactQuantile(sorted: readonly number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))] as number;
}
