/**
 * How the in-memory store narrows a filter before it walks: the smallest kept list every match is in,
 * and the total from the kept counts where they give it. Shared by the arrival-order and sorted pages.
 */
import { isEmptyFilter, type TaskFilter } from '@/lib/query/task-filter';
import type { ArrivalList } from '../state/arrival-list';
import type { TaskIndex, TaskKeyField } from '../state/task-index';

export const KEYED: readonly (readonly [TaskKeyField, 'states' | 'names' | 'workers' | 'queues'])[] = [
  ['state', 'states'],
  ['name', 'names'],
  ['worker', 'workers'],
  ['queue', 'queues'],
];

/** A kept list in arrival order, and how many held tasks it has (it may hold stale entries besides). */
export interface Candidates {
  readonly list: ArrivalList;
  readonly size: number;
}

/** The list every match is in: the smallest single-key list the filter names, else all tasks; null when no task can match. */
export function candidateList(index: TaskIndex, taskCount: number, filter: TaskFilter): Candidates | null {
  let best: Candidates = { list: index.all, size: taskCount };
  for (const [field, filterField] of KEYED) {
    const values = filter[filterField];
    if (values === null || values.length !== 1) continue;
    const key = values[0] as string;
    const count = index.count(field, key);
    if (count === 0) return null;
    if (count >= best.size) continue;
    // Null while the field's lists are being built: another list, or every task, will do meanwhile.
    const list = index.list(field, key);
    if (list !== null && list !== undefined) best = { list, size: count };
  }
  return best;
}

/** The total from the kept counts when the filter names values of one key and nothing else (or nothing); else null. */
export function countedTotal(index: TaskIndex, taskCount: number, filter: TaskFilter, candidates: Candidates | null): number | null {
  if (candidates === null) return 0;
  if (isEmptyFilter(filter)) return taskCount;
  const keyed = KEYED.filter(([, filterField]) => filter[filterField] !== null);
  const onlyKeys = filter.received === null && filter.started === null && filter.lost === null && filter.search.kind === 'all';
  if (!onlyKeys || keyed.length !== 1) return null;
  const [field, filterField] = keyed[0] as (typeof KEYED)[number];
  let total = 0;
  for (const key of filter[filterField] ?? []) total += index.count(field, key);
  return total;
}
