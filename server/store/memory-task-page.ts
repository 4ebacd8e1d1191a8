/**
 * A page of tasks answered by walking the in-memory model: O(tasks) to filter, O(m log m) to sort the m
 * matching rows. The reference answer, which an indexed store must give in O(page + log n).
 *
 * Two orders, as the two APIs define them:
 * - cursor pages (v1): rows by (sort value, arrival number), tasks without the value last in either
 *   order; a cursor is the position of the last row returned, so pages neither skip nor repeat a task.
 * - offset pages (Flower's /api/tasks): a stable sort of the arrival order by Flower's keys, a missing
 *   time counting as 0, and `timestamp` (when the current state was reached), newest first by default.
 */
import { createHash } from 'node:crypto';
import { runtimeOf } from '@/lib/api/tasks';
import { matchesFilter, type TaskFilter } from '@/lib/query/task-filter';
import type { TaskQuery } from '@/lib/query/task-query';
import { sortTime } from '../state/clock-skew';
import { orderValue } from '../state/task-index';
import type { TaskRecord } from '../state/task-record';
import { comparePositions, decodeCursor, encodeCursor, isCursorSort, type Position, type SortKey, type SortOrder } from './task-cursor';
import type { CursorRefusal, TaskPageResult } from './task-store';

/** The held tasks in arrival order, each with its arrival number. */
export type ArrivalWalk = () => Iterable<readonly [TaskRecord, number]>;

export function memoryPage(walk: ArrivalWalk, epoch: string, query: TaskQuery): TaskPageResult {
  return query.page.kind === 'cursor' ? cursorPage(walk, epoch, query, query.page.cursor, query.page.limit) : offsetPage(walk, query, query.page.offset, query.page.limit);
}

/** Equal for equal filters (lists in any order), so a cursor is checked against the filter it was made for. */
export function filterKey(filter: TaskFilter): string {
  const sorted = (list: readonly string[] | null): readonly string[] | null => (list === null ? null : [...list].sort());
  const normal = { ...filter, states: sorted(filter.states), names: sorted(filter.names), workers: sorted(filter.workers), queues: sorted(filter.queues) };
  return createHash('sha256').update(JSON.stringify(normal)).digest('base64url').slice(0, 16);
}

function cursorPage(walk: ArrivalWalk, epoch: string, query: TaskQuery, cursorText: string | null, limit: number): TaskPageResult {
  const { key, order } = query.sort;
  // Only v1's sorts have a number to page on; an indexed store keeps an order for each of them.
  if (!isCursorSort(key)) return { ok: false, reason: 'other-query' };
  const fkey = filterKey(query.filter);
  const after = cursorAfter(cursorText, epoch, key, order, fkey);
  if (after !== null && 'refused' in after) return { ok: false, reason: after.refused };
  let total = 0;
  const rows: { task: TaskRecord; position: Position }[] = [];
  for (const [task, seq] of walk()) {
    if (!matchesFilter(query.filter, task)) continue;
    total++;
    const position = { value: cursorValue(task, key, seq), seq };
    if (after === null || comparePositions(position, after, order) > 0) rows.push({ task, position });
  }
  rows.sort((a, b) => comparePositions(a.position, b.position, order));
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    ok: true,
    tasks: page.map((row) => row.task),
    total,
    nextCursor: rows.length > limit && last ? encodeCursor({ epoch, sort: key, order, filter: fkey, position: last.position }) : null,
  };
}

/** A cursor page of `limit` rows out of `rows` (one more there when a next page exists), with the cursor past its last row. */
export function cursorPageOf(rows: readonly TaskRecord[], limit: number, total: number, cursorPast: (last: TaskRecord) => string): TaskPageResult {
  const tasks = rows.slice(0, limit);
  const last = tasks[tasks.length - 1];
  return { ok: true, tasks, total, nextCursor: rows.length > limit && last !== undefined ? cursorPast(last) : null };
}

/** Where a cursor says the page starts (null for the first page), or why it is refused. */
export function cursorAfter(cursorText: string | null, epoch: string, key: SortKey, order: SortOrder, fkey: string): Position | { readonly refused: CursorRefusal } | null {
  if (cursorText === null) return null;
  const cursor = decodeCursor(cursorText);
  if (cursor === null) return { refused: 'malformed' };
  if (cursor.epoch !== epoch) return { refused: 'other-run' };
  if (cursor.sort !== key || cursor.order !== order || cursor.filter !== fkey) return { refused: 'other-query' };
  return cursor.position;
}

function cursorValue(task: TaskRecord, key: SortKey, seq: number): number | null {
  return key === 'arrival' ? seq : orderValue(task, key);
}

function offsetPage(walk: ArrivalWalk, query: TaskQuery, offset: number, limit: number | null): TaskPageResult {
  const { key, order } = query.sort;
  const tasks: TaskRecord[] = [];
  const seqs = new Map<TaskRecord, number>();
  for (const [task, seq] of walk()) {
    if (!matchesFilter(query.filter, task)) continue;
    tasks.push(task);
    if (key === 'arrival') seqs.set(task, seq);
  }
  if (key === 'timestamp' && order === 'desc') {
    // Flower's default order: newest state change first.
    tasks.sort((a, b) => sortTime(b, b.timestamp) - sortTime(a, a.timestamp));
  } else if (key === 'arrival') {
    if (order === 'desc') tasks.reverse();
  } else {
    const value = (t: TaskRecord): string | number =>
      key === 'name' ? (t.name ?? '') : key === 'state' ? t.state : key === 'runtime' ? (runtimeOf(t).seconds ?? 0) : (sortTime(t, t[key]) ?? 0);
    tasks.sort((a, b) => {
      const [x, y] = [value(a), value(b)];
      const cmp = x < y ? -1 : x > y ? 1 : 0;
      return order === 'desc' ? -cmp : cmp;
    });
  }
  return { ok: true, tasks: tasks.slice(offset, limit === null ? undefined : offset + limit), total: tasks.length, nextCursor: null };
}
