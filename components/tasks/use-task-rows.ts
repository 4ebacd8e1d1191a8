'use client';
/**
 * The Tasks page's rows: cursor pages of GET /api/v1/tasks fetched as the table scrolls towards them,
 * and the push `tasks` topic merged in by uuid. The push topic knows state, name, worker and search;
 * several states, the queue and the time window are checked here on the fields a pushed row carries.
 */
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import type { TaskPage } from '@/lib/api/tasks';
import type { PushUpdate } from '@/lib/push/contract';
import { fetchJson } from '../api/api-client';
import { useSubscription } from '../live/use-subscription';
import { receivedWindow, restParams, type TaskQuery, taskQueryString } from './task-query';
import { type TaskRow, TaskRowStore } from './task-row-store';

const FIRST_PAGE = 500;
const NEXT_PAGE = 500;
/** Start loading the next page this many rows before the loaded ones run out. */
const PREFETCH = 300;
const LIVE_WINDOW = 500;

type TasksUpdate = Extract<PushUpdate, { topic: 'tasks' }>;

export interface TaskRows {
  readonly store: TaskRowStore;
  /** Changes whenever rows change (the store itself is mutated in place). */
  readonly version: number;
  /** Rows the table scrolls over: the total when more pages wait, else the loaded ones. */
  readonly count: number;
  readonly firstLoaded: boolean;
  readonly loading: boolean;
  readonly error: string | null;
  /** Bumped with each batch of rows put on top, with how many. */
  readonly prepend: { readonly seq: number; readonly count: number };
  /** New tasks that match but were not placed (another sort than newest first). */
  readonly unplaced: number;
  /** Asks for the rows from `first` to `last` (the ones on screen) to be loaded. */
  ensure(first: number, last: number): void;
  reload(): void;
}

export function useTaskRows(query: TaskQuery): TaskRows {
  const key = taskQueryString(query);
  const [reloads, reload] = useReducer((n: number) => n + 1, 0);
  const [version, bump] = useReducer((n: number) => n + 1, 0);
  const [status, setStatus] = useState<{ firstLoaded: boolean; loading: boolean; error: string | null }>({ firstLoaded: false, loading: true, error: null });
  const [prepend, setPrepend] = useState({ seq: 0, count: 0 });
  const [unplaced, setUnplaced] = useState(0);
  const store = useRef(new TaskRowStore());
  const wanted = useRef({ first: 0, last: 0 });
  const pump = useRef<() => void>(() => undefined);

  // Each new filter, sort or reload starts a new store and a new chain of pages.
  const loadedAt = useMemo(() => Date.now(), [key, reloads]);
  const bounds = useMemo(() => receivedWindow(query, loadedAt), [key, loadedAt]);

  useEffect(() => {
    const current = new TaskRowStore();
    store.current = current;
    wanted.current = { first: 0, last: 0 };
    setUnplaced(0);
    setStatus({ firstLoaded: false, loading: true, error: null });
    bump();
    const abort = new AbortController();
    let busy = false;
    const params = restParams(query, bounds);
    const reverse = { ...params, order: query.order === 'desc' ? 'asc' : 'desc' };
    const next = async (): Promise<void> => {
      if (busy || abort.signal.aborted) return;
      const end = pageToLoad(current, wanted.current, query.sort === 'arrival');
      if (end === null) return;
      busy = true;
      setStatus((s) => (s.loading ? s : { ...s, loading: true }));
      try {
        if (end === 'head') {
          const first = current.pagesLoaded === 0;
          const page = await fetchJson<TaskPage>('/api/v1/tasks', { ...params, limit: first ? FIRST_PAGE : NEXT_PAGE, cursor: current.cursor }, abort.signal);
          if (abort.signal.aborted) return;
          current.addPage(page);
        } else {
          const page = await fetchJson<TaskPage>('/api/v1/tasks', { ...reverse, limit: NEXT_PAGE, cursor: current.tailCursor }, abort.signal);
          if (abort.signal.aborted) return;
          current.addTailPage(page);
        }
        busy = false;
        setStatus({ firstLoaded: true, loading: false, error: null });
        bump();
        void next();
      } catch (err) {
        busy = false;
        if (abort.signal.aborted) return;
        setStatus((s) => ({ ...s, loading: false, error: err instanceof Error ? err.message : String(err) }));
      }
    };
    pump.current = () => void next();
    void next();
    return () => abort.abort();
  }, [key, reloads]);

  const ensure = useCallback((first: number, last: number) => {
    if (first === wanted.current.first && last === wanted.current.last) return;
    wanted.current = { first, last };
    pump.current();
  }, []);

  const accept = useMemo(() => liveMatcher(query, bounds), [key, bounds]);
  const newestFirst = query.order === 'desc' && query.sort !== 'runtime';
  const onUpdate = useCallback(
    (update: TasksUpdate) => {
      const outcome = store.current.applyLive(update.upserted, accept, newestFirst);
      if (outcome.prepended > 0) setPrepend((p) => ({ seq: p.seq + 1, count: outcome.prepended }));
      if (outcome.unplaced > 0) setUnplaced((n) => n + outcome.unplaced);
      if (outcome.prepended > 0 || outcome.changed > 0) bump();
    },
    [accept, newestFirst],
  );
  const search = query.search.trim();
  const request = status.firstLoaded
    ? {
        topic: 'tasks' as const,
        ...(query.states.length === 1 && { state: query.states[0] }),
        ...(query.name !== '' && { name: query.name }),
        ...(query.worker !== '' && { worker: query.worker }),
        ...(search !== '' && { search }),
        limit: LIVE_WINDOW,
      }
    : null;
  // Null until the first page is in: a new list (or a reload) subscribes anew, and the first update, the
  // whole window, is merged into rows that are already there.
  useSubscription<TasksUpdate>(request, onUpdate);

  const current = store.current;
  return {
    store: current,
    version,
    count: current.count,
    firstLoaded: status.firstLoaded,
    loading: status.loading,
    error: status.error,
    prepend,
    unplaced,
    ensure,
    reload,
  };
}

/** Whether a pushed row belongs to the list, for the filters the push topic does not apply itself. */
function liveMatcher(query: TaskQuery, bounds: { after: number | null; before: number | null }): (row: TaskRow) => boolean {
  const states = new Set(query.states);
  return (row) =>
    (states.size <= 1 || states.has(row.state)) &&
    (query.queue === '' || row.queue === query.queue || row.routingKey === query.queue) &&
    (bounds.after === null || (row.received ?? row.timestamp) >= bounds.after) &&
    (bounds.before === null || (row.received ?? row.timestamp) < bounds.before);
}

/**
 * Which end of the list to fetch next for the rows on screen: the top pages, or (under the arrival sort,
 * which reads the same backwards) the bottom ones when the rows wanted are nearer the end.
 */
function pageToLoad(store: TaskRowStore, wanted: { first: number; last: number }, reversible: boolean): 'head' | 'tail' | null {
  if (store.pagesLoaded === 0) return 'head';
  if (store.done) return null;
  const head = store.order.length;
  const tailStart = store.tailStart;
  const from = Math.max(wanted.first, head);
  const to = Math.min(wanted.last, tailStart - 1);
  if (from > to) return wanted.last + PREFETCH >= head && wanted.first < tailStart ? 'head' : null;
  if (reversible && tailStart - 1 - to < from - head) return 'tail';
  return 'head';
}
