'use client';
/**
 * The Tasks page's rows: cursor pages of GET /api/v1/tasks fetched as the table scrolls towards them,
 * and the push `tasks` topic merged in by uuid. The push topic knows one state, name, worker and search;
 * every structured filter is checked again here (liveMatcher), by the rules the server's are.
 *
 * A new filter loads beside the rows on screen, which stay until its first page is in: a search that
 * does not parse (or any failed load) leaves the current rows, and says what went wrong.
 */
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import type { TaskPage } from '@/lib/api/tasks';
import type { PushUpdate } from '@/lib/push/contract';
import { ApiError, fetchJson } from '../api/api-client';
import { useSubscription } from '../live/use-subscription';
import { liveMatcher, receivedWindow, restParams, type TaskQuery, taskQueryString } from './task-query';
import { TaskRowStore } from './task-row-store';

const FIRST_PAGE = 500;
const NEXT_PAGE = 500;
/** Start loading the next page this many rows before the loaded ones run out. */
const PREFETCH = 300;
const LIVE_WINDOW = 500;

type TasksUpdate = Extract<PushUpdate, { topic: 'tasks' }>;

/** Why rows could not be loaded; `search` when the server could not parse the search, with where. */
export interface TaskRowsError {
  readonly message: string;
  readonly search: { readonly text: string; readonly position: number } | null;
}

export interface TaskRows {
  readonly store: TaskRowStore;
  /** Changes whenever rows change (the store itself is mutated in place). */
  readonly version: number;
  /** Rows the table scrolls over: the total when more pages wait, else the loaded ones. */
  readonly count: number;
  readonly firstLoaded: boolean;
  readonly loading: boolean;
  readonly error: TaskRowsError | null;
  /** Bumped with each batch of rows put on top, with how many. */
  readonly prepend: { readonly seq: number; readonly count: number };
  /** New tasks that match but were not placed (another sort than newest first). */
  readonly unplaced: number;
  /** Asks for the rows from `first` to `last` (the ones on screen) to be loaded. */
  ensure(first: number, last: number): void;
  reload(): void;
}

/** One list: its filters, its rows and the chain of page loads that fills them. */
interface RowChain {
  readonly query: TaskQuery;
  readonly bounds: { after: number | null; before: number | null };
  readonly store: TaskRowStore;
  readonly abort: AbortController;
  next(): void;
}

function rowsError(err: unknown, search: string): TaskRowsError {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof ApiError && err.code === 'invalid_search' && err.position !== null) return { message, search: { text: search, position: err.position } };
  return { message, search: null };
}

export function useTaskRows(query: TaskQuery): TaskRows {
  const key = taskQueryString(query);
  const [reloads, reload] = useReducer((n: number) => n + 1, 0);
  const [version, bump] = useReducer((n: number) => n + 1, 0);
  const [status, setStatus] = useState<{ loading: boolean; error: TaskRowsError | null }>({ loading: true, error: null });
  const [prepend, setPrepend] = useState({ seq: 0, count: 0 });
  const [unplaced, setUnplaced] = useState(0);
  /** The list on screen: null until a first page came in. */
  const shown = useRef<RowChain | null>(null);
  /** The list asked for last: its load is the one `status` reports. */
  const latest = useRef<RowChain | null>(null);
  const empty = useRef(new TaskRowStore());
  const wanted = useRef({ first: 0, last: 0 });

  // Each new filter, sort or reload starts a new chain of pages, shown once its first page is in.
  const loadedAt = useMemo(() => Date.now(), [key, reloads]);
  const bounds = useMemo(() => receivedWindow(query, loadedAt), [key, loadedAt]);

  useEffect(() => {
    const store = new TaskRowStore();
    const abort = new AbortController();
    let busy = false;
    const params = restParams(query, bounds);
    const reverse = { ...params, order: query.order === 'desc' ? 'asc' : 'desc' };
    const chain: RowChain = { query, bounds, store, abort, next: () => void next() };
    latest.current = chain;
    // An error stays until the next answer of the latest list: it is not cleared while that one loads.
    const report = (change: { loading: boolean; error?: TaskRowsError | null }): void => {
      if (latest.current !== chain) return;
      setStatus((s) => (change.error === undefined ? (s.loading === change.loading ? s : { ...s, loading: change.loading }) : { loading: change.loading, error: change.error }));
    };
    report({ loading: true });
    const next = async (): Promise<void> => {
      if (busy || abort.signal.aborted) return;
      const end = pageToLoad(store, wanted.current, query.sort === 'arrival');
      if (end === null) return;
      busy = true;
      report({ loading: true });
      try {
        if (end === 'head') {
          const first = store.pagesLoaded === 0;
          const page = await fetchJson<TaskPage>('/api/v1/tasks', { ...params, limit: first ? FIRST_PAGE : NEXT_PAGE, cursor: store.cursor }, abort.signal);
          if (abort.signal.aborted) return;
          store.addPage(page);
        } else {
          const page = await fetchJson<TaskPage>('/api/v1/tasks', { ...reverse, limit: NEXT_PAGE, cursor: store.tailCursor }, abort.signal);
          if (abort.signal.aborted) return;
          store.addTailPage(page);
        }
        busy = false;
        if (shown.current !== chain) {
          shown.current?.abort.abort();
          shown.current = chain;
          wanted.current = { first: 0, last: 0 };
          setUnplaced(0);
        }
        report({ loading: false, error: null });
        bump();
        void next();
      } catch (err) {
        busy = false;
        if (abort.signal.aborted) return;
        report({ loading: false, error: rowsError(err, String(params['search'] ?? '')) });
      }
    };
    void next();
    // The list on screen stays until the next one replaces it; one that never showed goes now.
    return () => {
      if (shown.current !== chain) abort.abort();
    };
  }, [key, reloads]);
  useEffect(() => () => shown.current?.abort.abort(), []);

  const ensure = useCallback((first: number, last: number) => {
    if (first === wanted.current.first && last === wanted.current.last) return;
    wanted.current = { first, last };
    shown.current?.next();
  }, []);

  const current = shown.current;
  const accept = useMemo(() => (current === null ? () => false : liveMatcher(current.query, current.bounds)), [current]);
  const newestFirst = current !== null && current.query.order === 'desc' && current.query.sort !== 'runtime';
  const onUpdate = useCallback(
    (update: TasksUpdate) => {
      const store = shown.current?.store;
      if (store === undefined) return;
      const outcome = store.applyLive(update.upserted, accept, newestFirst);
      if (outcome.prepended > 0) setPrepend((p) => ({ seq: p.seq + 1, count: outcome.prepended }));
      if (outcome.unplaced > 0) setUnplaced((n) => n + outcome.unplaced);
      if (outcome.prepended > 0 || outcome.changed > 0) bump();
    },
    [accept, newestFirst],
  );
  const live = current?.query;
  const search = live?.search.trim() ?? '';
  const request =
    live !== undefined
      ? {
          topic: 'tasks' as const,
          ...(live.states.length === 1 && { state: live.states[0] }),
          ...(live.name !== '' && { name: live.name }),
          ...(live.worker !== '' && { worker: live.worker }),
          ...(search !== '' && { search }),
          limit: LIVE_WINDOW,
        }
      : null;
  // Null until a first page is in: each list shown subscribes anew, and the first update, the whole
  // window, is merged into rows that are already there.
  useSubscription<TasksUpdate>(request, onUpdate);

  const store = current?.store ?? empty.current;
  return {
    store,
    version,
    count: store.count,
    firstLoaded: current !== null,
    loading: status.loading,
    error: status.error,
    prepend,
    unplaced,
    ensure,
    reload,
  };
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
