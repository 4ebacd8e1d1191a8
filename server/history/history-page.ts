/**
 * A page of tasks from history, for the same query as data and with the same answer as the in-memory
 * reference (server/store/memory-task-page.ts):
 * - cursor pages: rows by (sort value, arrival number), tasks without the value last in either order. The
 *   rows with a value and the rows without are two range walks of the sort's index, so neither dialect's
 *   place for NULLs in an index matters; the cursor is the keyset (value, seq) of the last row.
 * - offset pages (Flower's): a stable sort of the arrival order by Flower's keys, a missing time as 0.
 * Totals come from the counts the triggers keep when the filter is one field's keys, else from a count.
 */
import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import type { TaskQuery } from '@/lib/query/task-query';
import { isEmptyFilter, type TaskFilter, taskFilter } from '@/lib/query/task-filter';
import type { TaskRecord } from '../state/task-record';
import { cursorAfter, cursorPageOf, filterKey } from '../store/memory-task-page';
import { encodeCursor, isCursorSort, type Position, type SortKey } from '../store/task-cursor';
import type { TaskPageResult } from '../store/task-store';
import { DEFAULT_PLAN, type FilterPlan, filterConditions, trigramQuery } from './history-filter';
import { orderValue } from '../state/order-value';
import type { HistoryDb, HistoryTables, SqlReader } from './history-sql';
import { TEXT_UPTO_KEY } from './sqlite-schema';
import { taskFromRow, type TaskRowObject } from './task-row';

type SortColumn = 'seq' | 'o_received' | 'o_started' | 'o_succeeded' | 'runtime';

const CURSOR_COLUMN: Readonly<Record<SortKey, SortColumn>> = { arrival: 'seq', received: 'o_received', started: 'o_started', succeeded: 'o_succeeded', runtime: 'runtime' };

export interface HistoryScope {
  readonly db: HistoryDb;
  readonly reader: SqlReader;
  /** PostgreSQL holds several clusters: every query keeps to this one's rows. Null for SQLite (a file per cluster). */
  readonly cluster: string | null;
}

function baseQuery(scope: HistoryScope, filter: TaskFilter, plan: FilterPlan = DEFAULT_PLAN) {
  return scope.db.selectFrom('tasks').where((eb) => {
    const conditions: Expression<SqlBool>[] = filterConditions(eb, scope.reader.dialect, filter, plan);
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

/** A total counted row by row stops here and says "at least": a time range or a search over millions. */
export const COUNT_CAP = 100_000;
/** A search's rows each run the search engine: its count stops sooner. */
export const SEARCH_COUNT_CAP = 10_000;
/** A search whose trigram index gives more rows than this is a common word: walked, not listed. */
const TRIGRAM_CANDIDATES = 50_000;
/** Tasks with a suspect clock listed for a time range; past it the range is read without the sort time's index. */
const SKEWED_LISTED = 1000;
/**
 * A walk of the sort's index is given this many times the rows it should need (the page's rows over the
 * filter's share of the tasks) before the filter's own rows are read and sorted instead: it bounds the
 * walk when the filter's tasks cluster away from the top of the sort (lost tasks have no runtime).
 */
const WALK_SLACK = 2;
/** The most rows a walk's window holds, whatever the filter's share. */
const MAX_WALK = 200_000;

export interface HistoryTotal {
  readonly total: number;
  /** False when the count stopped at its cap: the total is at least `total`. */
  readonly exact: boolean;
}

export async function historyTotal(scope: HistoryScope, filter: TaskFilter, plan: FilterPlan = DEFAULT_PLAN): Promise<HistoryTotal> {
  const counted = isEmptyFilter(filter) ? { field: 'total' as const, keys: [''] } : countedKeys(filter);
  if (counted !== null) {
    let query = scope.db.selectFrom('task_counts').select((eb) => eb.fn.coalesce(eb.fn.sum<number>('n'), eb.lit(0)).as('n')).where('field', '=', counted.field).where('key', 'in', counted.keys);
    if (scope.cluster !== null) query = query.where('cluster', '=', scope.cluster);
    const [row] = await scope.reader.all<{ n: number | string }>(query.compile());
    return { total: Number(row?.n ?? 0), exact: true };
  }
  const cap = filter.search.kind === 'all' ? COUNT_CAP : SEARCH_COUNT_CAP;
  const matching = baseQuery(scope, filter, plan).select(sql<number>`1`.as('one')).limit(cap + 1).as('matching');
  const [row] = await scope.reader.all<{ n: number | string }>(scope.db.selectFrom(matching).select((eb) => eb.fn.countAll<number>().as('n')).compile());
  const n = Number(row?.n ?? 0);
  return n > cap ? { total: cap, exact: false } : { total: n, exact: true };
}

/**
 * How the page's queries use the indexes (history-filter.ts FilterPlan), from what is cheap to know: how
 * many rows the trigram index gives a search (counted up to a bound), and the filter's share of the tasks.
 */
async function planned(scope: HistoryScope, filter: TaskFilter, limit: number): Promise<{ plan: FilterPlan; total: HistoryTotal; all: number; selective: boolean }> {
  let trigrams = true;
  let textUpto = 0;
  const fts = scope.reader.dialect === 'sqlite' ? trigramQuery(filter.search) : null;
  if (fts !== null) {
    const candidates = sql<{ n: number }>`SELECT count(*) AS n FROM (SELECT rowid FROM task_text WHERE task_text MATCH ${fts} LIMIT ${TRIGRAM_CANDIDATES + 1})`;
    const [row] = await scope.reader.all<{ n: number }>(candidates.compile(scope.db));
    trigrams = Number(row?.n ?? 0) <= TRIGRAM_CANDIDATES;
    const [mark] = await scope.reader.all<{ value: string }>(scope.db.selectFrom('meta').select('value').where('key', '=', TEXT_UPTO_KEY).compile());
    textUpto = Number(mark?.value ?? 0);
  }
  let skewed: number[] | null = null;
  if (filter.received !== null || filter.started !== null) {
    // Each dialect's words for the predicate of its tasks_skewed index, so that the index answers.
    const listed =
      scope.reader.dialect === 'sqlite'
        ? sql<{ seq: number }>`SELECT seq FROM tasks WHERE received IS NOT o_received OR started IS NOT o_started LIMIT ${SKEWED_LISTED + 1}`
        : sql<{ seq: number }>`SELECT seq FROM tasks WHERE cluster = ${scope.cluster} AND (received IS DISTINCT FROM o_received OR started IS DISTINCT FROM o_started) LIMIT ${SKEWED_LISTED + 1}`;
    const rows = await scope.reader.all<{ seq: number }>(listed.compile(scope.db));
    skewed = rows.length > SKEWED_LISTED ? null : rows.map((r) => Number(r.seq));
  }
  const total = await historyTotal(scope, filter, { trigrams, keyIndexes: true, rangeIndexes: true, textUpto, skewed });
  const all = isEmptyFilter(filter) ? total : await historyTotal(scope, taskFilter({}));
  // Reading the filter's rows and sorting them costs about their number; walking the sort's index about
  // the page's rows over the filter's share of the tasks. The cheaper wins: at 10 000 000 tasks a filter
  // holding 5 % of them (500 000 rows to sort) is found in a walk of 1 000.
  const selective = total.exact && total.total * total.total < (limit + 1) * all.total;
  return { plan: { trigrams, keyIndexes: selective, rangeIndexes: true, textUpto, skewed }, total, all: all.total, selective };
}

async function rows(scope: HistoryScope, query: { compile(): Parameters<SqlReader['all']>[0] }): Promise<TaskRecord[]> {
  const found = await scope.reader.all<TaskRowObject>(query.compile());
  return found.map(taskFromRow);
}

/** Rows past `position` in the keyset order (value, seq), `beyond` one of < > <= >=. */
function keysetBeyond(column: SortColumn, sortBy: Expression<number>, beyond: '<' | '>' | '<=' | '>=', position: Position) {
  return (eb: ExpressionBuilder<HistoryTables, 'tasks'>) =>
    column === 'seq' ? eb('seq', beyond, position.seq) : eb(eb.tuple(sortBy, eb.ref('seq')), beyond, eb.tuple(position.value as number, position.seq));
}

/**
 * The row `window` rows down the sort's index from the cursor (rows with a sort value only), read from
 * the index alone; null when fewer rows are left.
 */
async function walkBound(scope: HistoryScope, column: SortColumn, order: 'asc' | 'desc', after: Position | null, window: number): Promise<Position | null> {
  let select = scope.db.selectFrom('tasks').select((eb) => [eb.ref(column).as('v'), eb.ref('seq').as('s')]);
  if (scope.cluster !== null) select = select.where('cluster', '=', scope.cluster);
  if (column !== 'seq') select = select.where(column, 'is not', null);
  if (after !== null) select = select.where(keysetBeyond(column, sql.ref<number>(column), order === 'asc' ? '>' : '<', after));
  if (column !== 'seq') select = select.orderBy(column, order);
  const [row] = await scope.reader.all<{ v: number | string; s: number | string }>(select.orderBy('seq', order).limit(1).offset(window - 1).compile());
  return row === undefined ? null : { value: Number(row.v), seq: Number(row.s) };
}

async function cursorPage(scope: HistoryScope, epoch: string, query: TaskQuery, cursorText: string | null, limit: number): Promise<TaskPageResult> {
  const { key, order } = query.sort;
  if (!isCursorSort(key)) return { ok: false, reason: 'other-query' };
  const fkey = filterKey(query.filter);
  const after = cursorAfter(cursorText, epoch, key, order, fkey);
  if (after !== null && 'refused' in after) return { ok: false, reason: after.refused };
  const column = CURSOR_COLUMN[key];
  const beyond = order === 'asc' ? '>' : '<';
  const { plan, total, all, selective } = await planned(scope, query.filter, limit);
  const found: TaskRecord[] = [];
  if (after === null || after.value !== null) {
    // The rows with a sort value, up to `bound` when given: read by a walk of the sort's index, or by the
    // filter's own index and sorted. Then every term on the sort's column reads it as `+ 0`, which keeps
    // the planners off the sort's index: a bare `column IS NOT NULL` took SQLite's back to it, and
    // PostgreSQL walked the arrival order for a day's range (its rows lie in that order) past 3 000 000 rows.
    const valued = (readBy: 'filter' | 'sort', bound: Position | null): Promise<TaskRecord[]> => {
      const sortBy = readBy === 'filter' ? sql<number>`${sql.ref(column)} + 0` : sql.ref<number>(column);
      let select = baseQuery(scope, query.filter, { ...plan, keyIndexes: readBy === 'filter', rangeIndexes: readBy === 'filter' });
      if (column !== 'seq') select = select.where(sortBy, 'is not', null);
      if (after !== null) select = select.where(keysetBeyond(column, sortBy, beyond, { value: after.value as number, seq: after.seq }));
      if (bound !== null) select = select.where(keysetBeyond(column, sortBy, order === 'asc' ? '<=' : '>=', bound));
      if (column !== 'seq') select = select.orderBy(sortBy, order);
      select = select.orderBy(column === 'seq' ? sortBy : sql.ref<number>('seq'), order).limit(limit + 1);
      if (readBy === 'sort') return rows(scope, select.selectAll());
      // The filter's rows are sorted by their arrival numbers and sort values only, then the page's rows
      // read: a sort of whole rows spilled hundreds of thousands of them (a day's range: 740 ms, now 50).
      let page = scope.db.selectFrom('tasks').selectAll().where('seq', 'in', select.select('seq'));
      if (scope.cluster !== null) page = page.where('cluster', '=', scope.cluster);
      if (column !== 'seq') page = page.orderBy(column, order);
      return rows(scope, page.orderBy('seq', order));
    };
    if (selective || isEmptyFilter(query.filter)) found.push(...(await valued(selective ? 'filter' : 'sort', null)));
    else {
      // A walk bounded to a window of the sort's index: it holds the page when the filter's tasks are
      // spread through the sort as its share says; when they are not (lost tasks have no runtime to sort
      // by), the filter's rows are read and sorted instead of walking the whole index.
      const window = Math.min(MAX_WALK, Math.ceil((WALK_SLACK * (limit + 1) * all) / Math.max(1, total.total)));
      const bound = await walkBound(scope, column, order, after, window);
      const walked = await valued('sort', bound);
      found.push(...(walked.length > limit || bound === null ? walked : await valued('filter', null)));
    }
  }
  if (column !== 'seq' && found.length <= limit) {
    let unvalued = baseQuery(scope, query.filter, plan).selectAll().where(column, 'is', null);
    if (after !== null && after.value === null) unvalued = unvalued.where('seq', beyond, after.seq);
    found.push(...(await rows(scope, unvalued.orderBy('seq', order).limit(limit + 1 - found.length))));
  }
  // The row's sort value is orderValue of the task it stores (task-row.ts), worked out again the same way.
  const position = (task: TaskRecord): Position => ({ value: key === 'arrival' ? task.seq : orderValue(task, key), seq: task.seq });
  const page = cursorPageOf(found, limit, total.total, (last) => encodeCursor({ epoch, sort: key, order, filter: fkey, position: position(last) }));
  return page.ok && !total.exact ? { ...page, totalExact: false } : page;
}

async function offsetPage(scope: HistoryScope, query: TaskQuery, offset: number, limit: number | null, cap: number): Promise<TaskPageResult> {
  const { key, order } = query.sort;
  const { plan, total } = await planned(scope, query.filter, limit ?? cap);
  let select = baseQuery(scope, query.filter, plan).selectAll();
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
  return { ok: true, tasks: found, total: total.total, nextCursor: null, ...(!total.exact && { totalExact: false }) };
}

/**
 * A page from history. Offset pages without a limit are capped at `cap` rows (the live window's size):
 * Flower's /api/tasks without a limit answered from its window, never from millions of rows.
 */
export function historyPage(scope: HistoryScope, epoch: string, query: TaskQuery, cap: number): Promise<TaskPageResult> {
  return query.page.kind === 'cursor' ? cursorPage(scope, epoch, query, query.page.cursor, query.page.limit) : offsetPage(scope, query, query.page.offset, query.page.limit, cap);
}
