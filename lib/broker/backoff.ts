/**
 * Reconnect delay: exponential from 100 ms, capped at 10 s, with ±20 % jitter so that many collectors
 * (or workers) do not hammer a broker that just came back in lockstep. Pure: `random` is passed in.
 */
export const BACKOFF_BASE_MS = 100;
export const BACKOFF_CAP_MS = 10_000;

export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const exponential = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential * (0.8 + 0.4 * random()));
}
