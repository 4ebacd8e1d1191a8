/**
 * What the Tasks page shows, as it lives in the URL (`/tasks?state=FAILURE&name=...`): other pages link
 * to a filtered list, and a reload or a shared link shows the same rows.
 */
import { TASK_SORT_KEYS, type TaskSortKey } from '@/lib/api/tasks';
import { type FilterableTask, matchesFilter, type TaskFilter, taskFilter } from '@/lib/query/task-filter';
import type { QueryParams } from '../api/api-path';

export const RANGE_PRESETS = [
  { value: '5m', label: 'last 5 min', seconds: 300 },
  { value: '1h', label: 'last hour', seconds: 3600 },
  { value: '24h', label: 'last 24 h', seconds: 86_400 },
] as const;

export interface TaskQuery {
  readonly states: readonly string[];
  readonly name: string;
  readonly worker: string;
  readonly queue: string;
  /** A preset of RANGE_PRESETS (relative to when the list loads), or '' for the explicit bounds. */
  readonly range: string;
  /** datetime-local values (the browser's time zone), '' when unset. */
  readonly receivedAfter: string;
  readonly receivedBefore: string;
  readonly search: string;
  readonly sort: TaskSortKey;
  readonly order: 'asc' | 'desc';
}

export function parseTaskQuery(params: URLSearchParams): TaskQuery {
  const sort = params.get('sort') ?? 'arrival';
  return {
    states: params.getAll('state').flatMap((s) => s.split(',')).map((s) => s.trim().toUpperCase()).filter((s) => s !== ''),
    name: params.get('name') ?? '',
    worker: params.get('worker') ?? '',
    queue: params.get('queue') ?? '',
    range: RANGE_PRESETS.some((p) => p.value === params.get('range')) ? (params.get('range') as string) : '',
    receivedAfter: params.get('received_after') ?? '',
    receivedBefore: params.get('received_before') ?? '',
    search: params.get('search') ?? '',
    sort: (TASK_SORT_KEYS as readonly string[]).includes(sort) ? (sort as TaskSortKey) : 'arrival',
    order: params.get('order') === 'asc' ? 'asc' : 'desc',
  };
}

/** The query string of the page's URL (defaults left out, so the plain list is plain `/tasks`). */
export function taskQueryString(query: TaskQuery): string {
  const params = new URLSearchParams();
  if (query.states.length > 0) params.set('state', query.states.join(','));
  if (query.name !== '') params.set('name', query.name);
  if (query.worker !== '') params.set('worker', query.worker);
  if (query.queue !== '') params.set('queue', query.queue);
  if (query.range !== '') params.set('range', query.range);
  else {
    if (query.receivedAfter !== '') params.set('received_after', query.receivedAfter);
    if (query.receivedBefore !== '') params.set('received_before', query.receivedBefore);
  }
  if (query.search.trim() !== '') params.set('search', query.search);
  if (query.sort !== 'arrival') params.set('sort', query.sort);
  if (query.order !== 'desc') params.set('order', query.order);
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** A datetime-local value (or Unix seconds / ISO text from a hand-written link) as Unix seconds. */
function toUnixSeconds(value: string): number | null {
  if (value === '') return null;
  if (/^\d+(?:\.\d+)?$/.test(value)) return Number(value);
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? ms / 1000 : null;
}

/** The received-time window in Unix seconds; a preset is anchored at `nowMs` (when the list loads). */
export function receivedWindow(query: TaskQuery, nowMs: number): { after: number | null; before: number | null } {
  const preset = RANGE_PRESETS.find((p) => p.value === query.range);
  if (preset !== undefined) return { after: nowMs / 1000 - preset.seconds, before: null };
  return { after: toUnixSeconds(query.receivedAfter), before: toUnixSeconds(query.receivedBefore) };
}

/** The filters and sort as GET /api/v1/tasks takes them. */
export function restParams(query: TaskQuery, window: { after: number | null; before: number | null }): QueryParams {
  return {
    state: query.states,
    name: query.name,
    worker: query.worker,
    queue: query.queue,
    received_after: window.after,
    received_before: window.before,
    search: query.search.trim(),
    sort: query.sort,
    order: query.order,
  };
}


/**
 * The page's filters in the one query model (lib/query), as GET /api/v1/tasks reads restParams: the same
 * state case, queue (task-sent's, never the routing key) and received window (a task not received yet is
 * outside it). The search is left to the server, which applies it to the push topic's rows itself.
 */
export function liveFilter(query: TaskQuery, window: { after: number | null; before: number | null }): TaskFilter {
  const one = (value: string): string[] | null => (value === '' ? null : [value]);
  return taskFilter({
    states: query.states,
    names: one(query.name),
    workers: one(query.worker),
    queues: one(query.queue),
    received: { from: window.after, to: window.before, toIncluded: false },
  });
}

/** Whether a pushed row belongs to the list on screen. */
export function liveMatcher(query: TaskQuery, window: { after: number | null; before: number | null }): (row: FilterableTask) => boolean {
  const filter = liveFilter(query, window);
  return (row) => matchesFilter(filter, row);
}
