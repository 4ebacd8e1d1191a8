/**
 * A page of tasks from history, for the same query as data and with the same answer as the in-memory
 * reference (server/store/memory-task-page.ts):
 * - cursor pages: rows by (sort value, arrival number), tasks without the value last in either order. The
 *   rows with a value and the rows without are two range walks of the sort's index, so neither dialect's
 *   place for NULLs in an index matters; the cursor is the keyset (value, seq) of the last row.
 * - offset pages (Flower's): a stable sort of the arrival order by Flower's keys, a missing time as 0.
 * Totals come from the counts the triggers keep when the filter is one field's keys, else from a count.
 */
import type { Expression, SqlBool } from 'kysely';
import type { TaskQuery } from '@/lib/query/task-query';
import { isEmptyFilter, type TaskFilter } from '@/lib/query/task-filter';
import type { TaskRecord } from '../state/task-record';
import { cursorAfter, cursorPageOf, filterKey } from '../store/memory-task-page';
import { encodeCursor, isCursorSort, type Position, type SortKey } from '../store/task-cursor';
import type { TaskPageResult } from '../store/task-store';
import { filterConditions } from './history-filter';
import { orderValue } from '../state/order-value';
import type { HistoryDb, SqlReader } from './history-sql';
import { taskFromRow, type TaskRowObject } from './task-row';

type SortColumn = 'seq' | 'o_received' | 'o_started' | 'o_succeeded' | 'runtime';

const CURSOR_COLUMN: Readonly<Record<SortKey, SortColumn>> = { arrival: 'seq', received: 'o_received', started: 'o_started', succeeded: 'o_succeeded', runtime: 'runtime' };

export interface HistoryScope {
  readonly db: HistoryDb;
  readonly reader: SqlReader;
  /** PostgreSQL holds several clusters: every query keeps to this one's rows. Null for SQLite (a file per cluster). */
  readonly cluster: string | null;
}

function baseQuery(scope: HistoryScope, filter: TaskFilter) {
  return scope.db.selectFrom('tasks').where((eb) => {
    const conditions: Expression<SqlBool>[] = filterConditions(eb, scope.reader.dialect, filter);
    if (scope.cluster !== null) conditions.push(eb('cluster', '=', scope.cluster));
    return eb.and(conditions);
  });
}

/** The one field's keys a filter asks for, when that is all it asks (so the kept counts answer its total). */
function countedKeys(filter: TaskFilter): { field: 'state' | 'name' | 'worker' | 'queue'; keys: readonly string[] } | null {
  if (filter.received !== null || filter.started !== null || filter.lost !== null || filter.search.kind !== 'all') return null;
  const fields = (['state', 'name', 'worker', 'queue'] as const).filter((f) => filter[`${f}s` as 'states' | 'names' | 'workers' | 'queues'] !== null);
  if (fields.length !== 1) return null;
  const field = fields[0] as 'state' | 'name' | 'worker' | 'queue';
  return { field, keys: filter[`${field}s` as const] as readonly string[] };
}

export async function historyTotal(scope: HistoryScope, filter: TaskFilter): Promise<number> {
  const counted = isEmptyFilter(filter) ? { field: 'total' as const, keys: [''] } : countedKeys(filter);
  if (counted !== null) {
    let query = scope.db.selectFrom('task_counts').select((eb) => eb.fn.coalesce(eb.fn.sum<number>('n'), eb.lit(0)).as('n')).where('field', '=', counted.field).where('key', 'in', counted.keys);
    if (scope.cluster !== null) query = query.where('cluster', '=', scope.cluster);
    const [row] = await scope.reader.all<{ n: number | string }>(query.compile());
    return Number(row?.n ?? 0);
  }
  const [row] = await scope.reader.all<{ n: number | string }>(baseQuery(scope, filter).select((eb) => eb.fn.countAll<number>().as('n')).compile());
  return Number(row?.n ?? 0);
}

async function rows(scope: HistoryScope, query: { compile(): Parameters<SqlReader['all']>[0] }): Promise<TaskRecord[]> {
  const found = await scope.reader.all<TaskRowObject>(query.compile());
  return found.map(taskFromRow);
}

async function cursorPage(scope: HistoryScope, epoch: string, query: TaskQuery, cursorText: string | null, limit: number): Promise<TaskPageResult> {
  const { key, order } = query.sort;
  if (!isCursorSort(key)) return { ok: false, reason: 'other-query' };
  const fkey = filterKey(query.filter);
  const after = cursorAfter(cursorText, epoch, key, order, fkey);
  if (after !== null && 'refused' in after) return { ok: false, reason: after.refused };
  const column = CURSOR_COLUMN[key];
  const beyond = order === 'asc' ? '>' : '<';
  const found: TaskRecord[] = [];
  if (after === null || after.value !== null) {
    let valued = baseQuery(scope, query.filter).selectAll();
    if (column !== 'seq') valued = valued.where(column, 'is not', null);
    if (after !== null) {
      const value = after.value as number;
      valued = column === 'seq' ? valued.where('seq', beyond, after.seq) : valued.where((eb) => eb(eb.refTuple(column, 'seq'), beyond, eb.tuple(value, after.seq)));
    }
    if (column !== 'seq') valued = valued.orderBy(column, order);
    found.push(...(await rows(scope, valued.orderBy('seq', order).limit(limit + 1))));
  }
  if (column !== 'seq' && found.length <= limit) {
    let unvalued = baseQuery(scope, query.filter).selectAll().where(column, 'is', null);
    if (after !== null && after.value === null) unvalued = unvalued.where('seq', beyond, after.seq);
    found.push(...(await rows(scope, unvalued.orderBy('seq', order).limit(limit + 1 - found.length))));
  }
  const total = await historyTotal(scope, query.filter);
  // The row's sort value is orderValue of the task it stores (task-row.ts), worked out again the same way.
  const position = (task: TaskRecord): Position => ({ value: key === 'arrival' ? task.seq : orderValue(task, key), seq: task.seq });
  return cursorPageOf(found, limit, total, (last) => encodeCursor({ epoch, sort: key, order, filter: fkey, position: position(last) }));
}

async function offsetPage(scope: HistoryScope, query: TaskQuery, offset: number, limit: number | null, cap: number): Promise<TaskPageResult> {
  const { key, order } = query.sort;
  let select = baseQuery(scope, query.filter).selectAll();
  if (key === 'arrival') select = select.orderBy('seq', order);
  else {
    // Flower's keys, a missing time as 0 and a missing name as '', ties in arrival order (a stable sort).
    select = select.orderBy((eb) => {
      switch (key) {
        case 'name':
          return eb.fn.coalesce('name', eb.val(''));
        case 'state':
          return eb.ref('state');
        case 'timestamp':
          return eb.ref('timestamp');
        case 'runtime':
          return eb.fn.coalesce('runtime', eb.lit(0));
        default:
          return eb.fn.coalesce(CURSOR_COLUMN[key], eb.lit(0));
      }
    }, order).orderBy('seq', 'asc');
  }
  const found = await rows(scope, select.limit(Math.min(limit ?? cap, cap)).offset(offset));
  const total = await historyTotal(scope, query.filter);
  return { ok: true, tasks: found, total, nextCursor: null };
}

/**
 * A page from history. Offset pages without a limit are capped at `cap` rows (the live window's size):
 * Flower's /api/tasks without a limit answered from its window, never from millions of rows.
 */
export function historyPage(scope: HistoryScope, epoch: string, query: TaskQuery, cap: number): Promise<TaskPageResult> {
  return query.page.kind === 'cursor' ? cursorPage(scope, epoch, query, query.page.cursor, query.page.limit) : offsetPage(scope, query, query.page.offset, query.page.limit, cap);
}
