/**
 * Senders' clocks that cannot be right. Any producer or worker stamps its own events, and one stamped in
 * the year 3000 (or at 1e308) would sort first in every "newest first" list for ever. Such a task keeps
 * its timestamps as sent, is flagged with the skew, and is sorted by our receive time instead.
 *
 * The bounds are generous on purpose: a worker an hour ahead (a wrong time zone) or events delivered late
 * after an outage are ordinary; a flag must mean a clock nobody should trust.
 */

/** Seconds an event may be stamped ahead of our receive time: clocks drift, NTP steps, hosts differ. */
export const MAX_AHEAD_SECONDS = 6 * 3600;
/** Seconds an event may be stamped behind it: a worker that buffered events through a long outage. */
export const MAX_BEHIND_SECONDS = 7 * 24 * 3600;

/** `timestamp − localReceived` when implausibly far (the sender's clock is suspect), else null. */
export function implausibleSkew(timestamp: number, localReceived: number): number | null {
  const skew = timestamp - localReceived;
  return skew > MAX_AHEAD_SECONDS || skew < -MAX_BEHIND_SECONDS ? skew : null;
}

/** What a task's time sorts by: the time as sent, but never later than we last heard of a suspect task. */
export function sortTime(task: { readonly clockSkew: number | null; readonly lastReceivedAt: number }, time: number): number;
export function sortTime(task: { readonly clockSkew: number | null; readonly lastReceivedAt: number }, time: number | null): number | null;
export function sortTime(task: { readonly clockSkew: number | null; readonly lastReceivedAt: number }, time: number | null): number | null {
  return time === null || task.clockSkew === null ? time : Math.min(time, task.lastReceivedAt);
}
