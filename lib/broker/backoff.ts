/**
 * Reconnect delay: exponential from 100 ms, capped at 1.5 s, with ±20 % jitter so that many collectors
 * (or workers) do not hammer a broker that just came back in lockstep. Pure: `random` is passed in.
 */
export const BACKOFF_BASE_MS = 100;
// Short, because Pub/Sub keeps nothing for an absent subscriber: workers flush the events they buffered
// while the broker was away as soon as it is back, and a monitor still waiting out a long backoff loses them.
export const BACKOFF_CAP_MS = 1_500;

export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const exponential = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential * (0.8 + 0.4 * random()));
}
