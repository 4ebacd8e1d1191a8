'use client';
import { useTimeFormat } from '../format/use-time-format';
import { historyTrouble, notListeningText, recentNotListening } from '../live/history-status';
import { useHistoryStatus } from '../live/live-hooks';

/**
 * A banner across the page, beside the broker's, while history is not being written or falls behind:
 * the live view is right, but what it shows may not all be kept.
 */
export function HistoryBanner() {
  const history = useHistoryStatus();
  const format = useTimeFormat();
  const text = historyTrouble(history, format.dateTime);
  if (history === null || text === null) return null;
  return (
    <div className={`banner ${history.state === 'failing' ? 'bad' : 'warn'}`} role="alert" data-testid="history-banner" data-state={history.state}>
      {text}
    </div>
  );
}

/** Tells, for a day, that Pollen was not listening for a while: tasks of that time may be missing. */
export function NotListeningNotice() {
  const history = useHistoryStatus();
  const format = useTimeFormat();
  const gap = recentNotListening(history, Date.now() / 1000);
  if (gap === null) return null;
  return (
    <p className="notice info" role="status" data-testid="not-listening">
      {notListeningText(gap, format.dateTime)}
    </p>
  );
}
