'use client';
/** Live values for pages, each one subscription (use-subscription.ts) kept as React state. */
import { useCallback, useEffect, useState } from 'react';
import type { V1Task } from '@/lib/api/tasks';
import type { WorkerEventJson } from '@/lib/api/workers';
import type { BrokerLink, HistoryStatus, Overview, PushUpdate, ServerInfo } from '@/lib/push/contract';
import { getSocket, lastHeard } from './socket';
import { type SubscriptionState, useSubscription } from './use-subscription';

type Of<T extends PushUpdate['topic']> = Extract<PushUpdate, { topic: T }>;

/** Task counts by state, workers online/offline and recent throughput; null until the first update. */
export function useLiveOverview(): SubscriptionState & { overview: Overview | null } {
  const [overview, setOverview] = useState<Overview | null>(null);
  const state = useSubscription<Of<'overview'>>({ topic: 'overview' }, (update) => setOverview(update.overview));
  return { ...state, overview };
}

/**
 * One task as events change it, as GET /api/v1/tasks/:id's `task` shows it: undefined until the first
 * update, null when the server does not hold it.
 */
export function useLiveTask(uuid: string): SubscriptionState & { task: V1Task | null | undefined } {
  const [task, setTask] = useState<V1Task | null | undefined>(undefined);
  const state = useSubscription<Of<'task'>>({ topic: 'task', uuid }, (update) => setTask(update.task));
  return { ...state, task };
}

/** One worker's event-derived record: undefined until the first update, null when unknown. */
export function useLiveWorker(hostname: string): SubscriptionState & { worker: WorkerEventJson | null | undefined } {
  const [worker, setWorker] = useState<WorkerEventJson | null | undefined>(undefined);
  const state = useSubscription<Of<'worker'>>({ topic: 'worker', hostname }, (update) => setWorker(update.worker));
  return { ...state, worker };
}

/** Applies a list update (removed, then upserted; `reset` replaces the list) to a map keyed by `key`. */
function applyListUpdate<T>(current: ReadonlyMap<string, T>, update: { reset: boolean; upserted: readonly T[]; removed: readonly string[] }, key: (item: T) => string): Map<string, T> {
  const next = update.reset ? new Map<string, T>() : new Map(current);
  for (const id of update.removed) next.delete(id);
  for (const item of update.upserted) next.set(key(item), item);
  return next;
}

/** Every worker the server knows, by hostname. */
export function useLiveWorkers(): SubscriptionState & { workers: ReadonlyMap<string, WorkerEventJson>; loaded: boolean } {
  const [workers, setWorkers] = useState<{ map: ReadonlyMap<string, WorkerEventJson>; loaded: boolean }>({ map: new Map(), loaded: false });
  const onUpdate = useCallback((update: Of<'workers'>) => {
    setWorkers((current) => ({ map: applyListUpdate(current.map, update, (w) => w.hostname), loaded: true }));
  }, []);
  const state = useSubscription<Of<'workers'>>({ topic: 'workers' }, onUpdate);
  return { ...state, workers: workers.map, loaded: workers.loaded };
}

export type LinkState =
  | { readonly state: 'connecting' }
  | { readonly state: 'connected'; readonly info: ServerInfo; readonly broker: BrokerLink | null }
  | { readonly state: 'disconnected'; readonly reason: string };

/** The page's link to the Pollen server, and the server's link to the broker (for the banner). */
export function useServerLink(): LinkState {
  const [link, setLink] = useState<LinkState>({ state: 'connecting' });
  useEffect(() => {
    const socket = getSocket();
    if (socket.connected && lastHeard.info !== null) setLink({ state: 'connected', info: lastHeard.info, broker: lastHeard.broker });
    const onConnected = (info: ServerInfo) => setLink((current) => ({ state: 'connected', info, broker: current.state === 'connected' ? current.broker : null }));
    const onBroker = (broker: BrokerLink) => setLink((current) => (current.state === 'connected' ? { ...current, broker } : current));
    const onDisconnect = (reason: string) => setLink({ state: 'disconnected', reason });
    const onError = (err: Error) => setLink({ state: 'disconnected', reason: err.message });
    socket.on('server:connected', onConnected);
    socket.on('broker:link-changed', onBroker);
    socket.on('disconnect', onDisconnect);
    socket.on('connect_error', onError);
    return () => {
      socket.off('server:connected', onConnected);
      socket.off('broker:link-changed', onBroker);
      socket.off('disconnect', onDisconnect);
      socket.off('connect_error', onError);
    };
  }, []);
  return link;
}

/** How the server keeps history (for its banner and the not-listening notice); null without history. */
export function useHistoryStatus(): HistoryStatus | null {
  const [history, setHistory] = useState<HistoryStatus | null>(null);
  useEffect(() => {
    const socket = getSocket();
    setHistory(lastHeard.history);
    // Each connect is followed by the status when the server keeps history: forget the last server's.
    const onConnected = () => setHistory(null);
    socket.on('server:connected', onConnected);
    socket.on('history:status', setHistory);
    return () => {
      socket.off('server:connected', onConnected);
      socket.off('history:status', setHistory);
    };
  }, []);
  return history;
}
