/**
 * A request for a page of tasks, as plain data: the filter (task-filter.ts), the order and where the page
 * starts. Flower's /api/tasks and /api/v1/tasks both state theirs this way; a store answers it (today by
 * walking the model, later by indexes or by SQL compiled from it).
 */
import type { TaskSortKey } from '../api/tasks';
import type { TaskFilter } from './task-filter';

/**
 * v1's sorts (arrival, received, started, succeeded, runtime), plus Flower's `name` and `state` and its
 * default order, `timestamp` (when the current state was reached).
 */
export type TaskQuerySortKey = TaskSortKey | 'name' | 'state' | 'timestamp';

/** v1 pages by an opaque keyset cursor (null for the first page); Flower by an offset into the order. */
export type TaskQueryPage =
  | { readonly kind: 'cursor'; readonly cursor: string | null; readonly limit: number }
  | { readonly kind: 'offset'; readonly offset: number; readonly limit: number | null };

export interface TaskQuery {
  readonly filter: TaskFilter;
  readonly sort: { readonly key: TaskQuerySortKey; readonly order: 'asc' | 'desc' };
  readonly page: TaskQueryPage;
}
