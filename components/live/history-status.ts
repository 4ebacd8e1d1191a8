/**
 * What the page says about history (lib/push/contract.ts `HistoryStatus`): a banner while it is not being
 * written or falls behind, and a notice of the newest time Pollen was not listening.
 */
import type { HistoryStatus } from '@/lib/push/contract';
import { formatCount } from '../format/format-values';

export type NotListening = HistoryStatus['notListening'][number];

/** A time Pollen was not listening is told for a day after it ended; older ones are history's own. */
export const NOT_LISTENING_TOLD_FOR_S = 24 * 60 * 60;

/** Writes a Unix-seconds instant (the time format's `dateTime`). */
type DateTime = (seconds: number) => string;

/** What the banner says while history is failing or lagging; null while it keeps up (or there is none). */
export function historyTrouble(status: HistoryStatus | null, dateTime: DateTime): string | null {
  if (status === null || status.state === 'writing') return null;
  const since = dateTime(status.since);
  if (status.state === 'failing') {
    return `History is not being written to ${status.where} since ${since}${status.error ? `: ${status.error}` : ''}. The live view goes on; writing resumes by itself, and what arrives meanwhile is kept up to a bound.`;
  }
  return `History is behind: writing to ${status.where} has lagged since ${since}, with ${events(status.pendingEvents)} waiting to be written and ${events(status.droppedEvents)} dropped from task timelines. The live view goes on, and the tasks themselves are still written.`;
}

function events(n: number): string {
  return `${formatCount(n)} ${n === 1 ? 'event' : 'events'}`;
}

/** The newest time Pollen was not listening, when it ended within the last day (`nowSeconds`); else null. */
export function recentNotListening(status: HistoryStatus | null, nowSeconds: number): NotListening | null {
  // Newest first, as the contract says.
  const newest = status?.notListening[0];
  if (newest === undefined) return null;
  return nowSeconds - newest.to <= NOT_LISTENING_TOLD_FOR_S ? newest : null;
}

export function notListeningText(gap: NotListening, dateTime: DateTime): string {
  return `Pollen was not listening from ${dateTime(gap.from)} to ${dateTime(gap.to)}. Tasks that ran then may be missing here, or were settled from the result backend without their events.`;
}
