/**
 * The one task filter (lib/query/task-filter.ts) compiled to a WHERE clause over the history's `tasks`,
 * with the same rules as its evaluation in memory: exact names, workers and queues; states upper-case;
 * a range's start included and its end only when `toIncluded`; a task without the time outside every range.
 *
 * A search has two parts. The trigram index narrows the rows (a term of three characters or more gives
 * the tasks holding all its trigrams, a superset of those holding it), and the exact match decides: on
 * SQLite the search engine itself (lib/search) runs as an SQL function in the reader thread, so a row
 * matches in history exactly when it would in memory, kwargs pairs included.
 */
import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import type { TaskFilter, TimeRange } from '@/lib/query/task-filter';
import type { SearchNode, SearchQuery } from '@/lib/search/search-query';
import type { Dialect, HistoryTables } from './history-sql';
import { postgresSearchCondition } from './postgres-search';

type Eb = ExpressionBuilder<HistoryTables, 'tasks'>;
type Condition = Expression<SqlBool>;

/** The SQL function the SQLite reader registers: the search engine over a row's text fields. */
export const SEARCH_FUNCTION = 'pollen_search';
/** The fields it takes, in order. */
export const SEARCH_ARGUMENTS = ['uuid', 'name', 'state', 'worker', 'args', 'kwargs', 'result', 'exception'] as const;

/** Shorter needles have no trigram: only the exact match can look for them. */
const MIN_TRIGRAM = 3;

/** The task's own time in the range, read as the sort time where the two are known to be equal (tasks_skewed in both schemas). */
function inRange(eb: Eb, dialect: Dialect, column: 'received' | 'started', range: TimeRange, plan: FilterPlan): Condition[] {
  const skewed = plan.skewed;
  const within = (on: 'received' | 'started' | 'o_received' | 'o_started'): Condition[] => {
    const ref = plan.rangeIndexes || dialect !== 'sqlite' ? eb.ref(on) : sql<number>`+${sql.ref(on)}`;
    const terms: Condition[] = [eb(ref, 'is not', null)];
    if (range.from !== null) terms.push(eb(ref, '>=', range.from));
    if (range.to !== null) terms.push(eb(ref, range.toIncluded ? '<=' : '<', range.to));
    return terms;
  };
  if (skewed === null) return within(column);
  // The sort time equals the task's own time except for a suspect clock's, listed by the page beforehand
  // (tasks_skewed): the range is the sort time's, and the own time's for those few. So the other tasks are
  // matched from the sort time's index alone, which holds the arrival number too (a day's range counted
  // in 5 ms, not 31, at 10 000 000 tasks in SQLite).
  const sortTime = within(column === 'received' ? 'o_received' : 'o_started');
  if (skewed.length === 0) return sortTime;
  return [eb.or([eb.and(sortTime), eb('seq', 'in', skewed)]), eb.or([eb('seq', 'not in', skewed), eb.and(within(column))])];
}

/** Trigrams of a long needle beyond these narrow little more and cost a posting list each. */
const MAX_TRIGRAMS = 24;

/**
 * The FTS5 query for the tasks holding every trigram of `needle` (sqlite-schema.ts: the index keeps no
 * positions, so not their phrase): each trigram quoted, its quotes doubled, case folded by the tokenizer.
 */
function allTrigrams(needle: string): string {
  const chars = Array.from(needle);
  const found = new Set<string>();
  for (let i = 0; i + MIN_TRIGRAM <= chars.length && found.size < MAX_TRIGRAMS; i++) found.add(chars.slice(i, i + MIN_TRIGRAM).join(''));
  return `(${[...found].map((t) => `"${t.replace(/"/g, '""')}"`).join(' AND ')})`;
}

/**
 * An FTS5 expression that every row matching `node` matches (a superset), or null when the trigram index
 * cannot narrow it (a short needle, a state, a worker: those are not in the index).
 */
function trigramExpression(node: SearchNode): string | null {
  switch (node.kind) {
    case 'state':
      return null;
    case 'kwarg':
      return Array.from(node.key).length >= MIN_TRIGRAM ? allTrigrams(node.key) : null;
    case 'text': {
      if (Array.from(node.needle).length < MIN_TRIGRAM) return null;
      // Free text looks in the state and the worker too, which the index does not hold. A field's needle
      // narrows by all the columns: the index keeps no columns either.
      return node.field === null || node.field === 'worker' ? null : allTrigrams(node.needle);
    }
    case 'and': {
      const parts = node.children.map(trigramExpression).filter((p): p is string => p !== null);
      return parts.length === 0 ? null : parts.map((p) => `(${p})`).join(' AND ');
    }
    case 'or': {
      const parts = node.children.map(trigramExpression);
      return parts.some((p) => p === null) ? null : parts.map((p) => `(${p})`).join(' OR ');
    }
  }
}

/**
 * A free-text term of three characters or more: the trigram index, or a state or worker holding it
 * (found among the few distinct ones the counts keep). As a prefilter of an AND, this narrows a search
 * that has no other index to go by.
 */
function freeTextNarrowing(eb: Eb, node: SearchNode, textUpto: number): Condition | null {
  if (node.kind === 'and') {
    for (const child of node.children) {
      const narrowed = freeTextNarrowing(eb, child, textUpto);
      if (narrowed !== null) return narrowed;
    }
    return null;
  }
  if (node.kind !== 'text' || node.field !== null || Array.from(node.needle).length < MIN_TRIGRAM) return null;
  const keysHolding = (field: 'state' | 'worker') =>
    sql<boolean>`${sql.ref(field)} IN (SELECT key FROM task_counts WHERE field = ${field} AND n > 0 AND instr(lower(key), ${node.needle}) > 0)`;
  return eb.or([inTextIndex(allTrigrams(node.needle), textUpto), keysHolding('state'), keysHolding('worker')]);
}

/**
 * The trigram index's part of a search on SQLite, as one FTS5 query, or null when it cannot narrow the
 * search: the pages ask how many rows it gives before they lean on it (history-page.ts).
 */
export function trigramQuery(search: SearchQuery): string | null {
  if (search.kind === 'all') return null;
  const qualified = trigramExpression(search);
  if (qualified !== null) return qualified;
  const term = freeTextTerm(search);
  return term === null ? null : allTrigrams(term);
}

/** The first free-text needle of three characters or more that every match holds (alone or in an AND). */
function freeTextTerm(node: SearchNode): string | null {
  if (node.kind === 'and') {
    for (const child of node.children) {
      const term = freeTextTerm(child);
      if (term !== null) return term;
    }
    return null;
  }
  return node.kind === 'text' && node.field === null && Array.from(node.needle).length >= MIN_TRIGRAM ? node.needle : null;
}

function searchConditions(eb: Eb, dialect: Dialect, search: SearchQuery, plan: FilterPlan): Condition[] {
  if (search.kind === 'all') return [];
  if (dialect === 'postgres') return [postgresSearchCondition(search)];
  const conditions: Condition[] = [];
  const fts = plan.trigrams ? trigramExpression(search) : null;
  if (fts !== null) conditions.push(inTextIndex(fts, plan.textUpto));
  else if (plan.trigrams) {
    const narrowed = freeTextNarrowing(eb, search, plan.textUpto);
    if (narrowed !== null) conditions.push(narrowed);
  }
  const args = sql.join(SEARCH_ARGUMENTS.map((c) => sql.ref(c)));
  conditions.push(sql<boolean>`${sql.raw(SEARCH_FUNCTION)}(${JSON.stringify(search)}, ${args}) = 1`);
  return conditions;
}

/**
 * How a page's query should use the indexes, chosen by the page from what it counted (history-page.ts):
 * - `trigrams`: narrow a search by the trigram index; off for a word most tasks hold, which the walk of
 *   the sort's index finds at once while the index would list millions of rows first;
 * - `keyIndexes`: let the state, name, worker and queue filters use their indexes; off (SQLite) for a
 *   filter most tasks match, so the sort's index is walked and the page needs no sort of millions;
 * - `rangeIndexes`: the same for time ranges, which a page's walk of its sort's index turns off.
 */
export interface FilterPlan {
  readonly trigrams: boolean;
  readonly keyIndexes: boolean;
  readonly rangeIndexes: boolean;
  /**
   * SQLite: the last task the text index holds (it is built behind the rows); newer tasks are matched row
   * by row. 0 when not known: the index then narrows nothing, and the answer is still exact.
   */
  readonly textUpto: number;
  /**
   * SQLite: the tasks whose own times differ from their sort times (a suspect clock's), so that a time
   * range reads the sort time's index; null when not listed (or too many): the range is then read as is.
   */
  readonly skewed: readonly number[] | null;
}

export const DEFAULT_PLAN: FilterPlan = { trigrams: true, keyIndexes: true, rangeIndexes: true, textUpto: 0, skewed: null };

/** Rows the text index holds that match `fts`, or a row it does not hold yet. */
function inTextIndex(fts: string, textUpto: number): Condition {
  return sql<boolean>`(seq IN (SELECT rowid FROM task_text WHERE task_text MATCH ${fts}) OR seq > ${textUpto})`;
}

/** The filter as conditions on `tasks` (all must hold); empty for no filter. */
export function filterConditions(eb: Eb, dialect: Dialect, filter: TaskFilter, plan: FilterPlan = DEFAULT_PLAN): Condition[] {
  const conditions: Condition[] = [];
  // SQLite's unary + keeps the planner off a column's index and changes nothing else.
  const key = (column: 'state' | 'name' | 'worker' | 'queue') => (plan.keyIndexes || dialect !== 'sqlite' ? eb.ref(column) : sql<string>`+${sql.ref(column)}`);
  if (filter.states !== null) conditions.push(eb(key('state'), 'in', filter.states));
  if (filter.names !== null) conditions.push(eb(key('name'), 'in', filter.names));
  if (filter.workers !== null) conditions.push(eb(key('worker'), 'in', filter.workers));
  if (filter.queues !== null) conditions.push(eb(key('queue'), 'in', filter.queues));
  if (filter.received !== null) conditions.push(...inRange(eb, dialect, 'received', filter.received, plan));
  if (filter.started !== null) conditions.push(...inRange(eb, dialect, 'started', filter.started, plan));
  if (filter.lost !== null) conditions.push(eb('lost', '=', filter.lost ? 1 : 0));
  conditions.push(...searchConditions(eb, dialect, filter.search, plan));
  return conditions;
}
