/**
 * What the page banner, /api/v1/health and the metrics say about history: how it is being written and
 * when Pollen was not listening. Null without history.
 */
import type { HistoryStatus } from '@/lib/push/contract';
import type { TaskStore } from '../store/task-store';

export async function historyStatus(store: TaskStore): Promise<HistoryStatus | null> {
  const writing = store.historyWriting();
  if (writing === null) return null;
  const notListening = await store.listeningGaps().catch(() => (store.restartGap === null ? [] : [store.restartGap]));
  return {
    where: writing.where,
    state: writing.state,
    since: writing.since,
    error: writing.error,
    pendingEvents: writing.pendingEvents,
    droppedEvents: writing.droppedEvents,
    notListening,
  };
}
