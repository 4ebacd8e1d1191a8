/**
 * v1's cursor pages sorted by received, started, succeeded or runtime, from the model's kept orders
 * (server/state/task-order.ts) instead of a walk and a sort of every task. The order is the reference's
 * (memory-task-page.ts): tasks with the value by (value, arrival), then the tasks without it by arrival,
 * in either direction.
 *
 * Two plans, whichever should cost less (sortedPage says how it guesses):
 * - the candidates (the kept arrival list of a state, name, worker or queue, k tasks) are filtered and
 *   the page's first entries kept, O(k);
 * - the order is walked from the cursor (a binary search) and the page is full after about page × n / k
 *   entries for a filter that keeps k tasks of n. Tasks without the value follow, from the
 *   candidates' arrival list. A range on the sorted field reads only its segment of the order.
 *
 * The total comes from the kept counts where they give it, else from the cheapest exact count
 * (memory-task-matches.ts). Gives exactly the reference's pages, which the randomized test checks.
 */
import type { TaskFilter, TimeRange } from '@/lib/query/task-filter';
import type { TaskQuery } from '@/lib/query/task-query';
import type { ArrivalList } from '../state/arrival-list';
import { type OrderField, orderValue, type TaskIndex, type TaskOrders } from '../state/task-index';
import type { OrderPlace, SortedTasks, TaskOrder } from '../state/task-order';
import type { TaskRecord } from '../state/task-record';
import { cursorAfter, cursorPageOf, filterKey } from './memory-task-page';
import { countMatches, forEachMatch, rangeSegment, taskMatcher } from './memory-task-matches';
import { candidateList, countedTotal } from './memory-task-plan';
import { OTHER_STATE } from '../state/task-slots';
import { comparePositions, encodeCursor, type Position } from './task-cursor';
import type { TaskPageResult } from './task-store';

/** How a page is found: by sorting the candidates, by walking the order, or whichever should cost less. */
export type SortedPlan = 'sort' | 'walk' | 'auto';

function isOrderField(key: string): key is OrderField {
  return key === 'received' || key === 'started' || key === 'succeeded' || key === 'runtime';
}

/** The page, or null when the query is not one of these sorts with a cursor (the caller answers it). */
export function sortedPage(index: TaskIndex, taskCount: number, epoch: string, query: TaskQuery, plan: SortedPlan = 'auto'): TaskPageResult | null {
  const key = query.sort.key;
  if (!isOrderField(key) || query.page.kind !== 'cursor') return null;
  // Null while the orders are being built (kept-orders.ts): the matches are then sorted instead.
  const orders = index.orders;
  const { filter } = query;
  const order = query.sort.order;
  const limit = query.page.limit;
  const fkey = filterKey(filter);
  const after = cursorAfter(query.page.cursor, epoch, key, order, fkey);
  if (after !== null && 'refused' in after) return { ok: false, reason: after.refused };
  const candidates = candidateList(index, taskCount, filter);
  if (candidates === null) return { ok: true, tasks: [], total: 0, nextCursor: null };
  const counted = countedTotal(index, taskCount, filter, candidates);
  const matches = taskMatcher(index, filter);
  const wanted = limit + 1;
  // Sorting reads the k candidates; a walk reads about wanted × n / k entries of the order before its
  // page is full, if the matches are spread through it. A walk that reads four times that and more has
  // met matches that cluster (a state whose tasks lack the value): it stops, and the candidates are sorted.
  const size = Math.min(candidates.size, rangeSegment(index, filter)?.size ?? Infinity);
  const walkCost = (wanted * taskCount) / Math.max(1, size);
  // No task in the states asked for has the value (failed tasks have no succeeded time): the order holds
  // no match, and the page is the tasks without the value, read off the candidates' arrival order.
  const noneValued = filter.states !== null && filter.states.every((state) => index.valuedCount(state, key) === 0);
  let rows: TaskRecord[] | null = null;
  let total: number | null = counted;
  if (orders !== null && (plan === 'walk' || (plan === 'auto' && (walkCost <= size || noneValued)))) {
    rows = walked(index, orders, candidates.list, filter, matches, key, order, after, wanted, plan === 'walk' || noneValued ? Infinity : Math.max(2_000, 4 * walkCost), noneValued);
  }
  if (rows === null) {
    const sorted = materialized(index, taskCount, filter, key, order, after, wanted);
    rows = sorted.rows;
    total ??= sorted.total;
  }
  total ??= countMatches(index, taskCount, filter);
  return cursorPageOf(rows, limit, total, (last) => encodeCursor({ epoch, sort: key, order, filter: fkey, position: positionOf(last, key) }));
}

function positionOf(task: TaskRecord, key: OrderField): Position {
  return { value: orderValue(task, key), seq: task.seq };
}

/**
 * The first `wanted` matches past the cursor, in order, kept by insertion (not a sort of all), from the
 * cheapest source of them (memory-task-matches.ts); and how many match in all.
 */
function materialized(index: TaskIndex, taskCount: number, filter: TaskFilter, key: OrderField, order: 'asc' | 'desc', after: Position | null, wanted: number): { rows: TaskRecord[]; total: number } {
  const kept: { task: TaskRecord; position: Position }[] = [];
  let total = 0;
  forEachMatch(index, taskCount, filter, (task) => {
    total++;
    const position = positionOf(task, key);
    if (after !== null && comparePositions(position, after, order) <= 0) return;
    if (kept.length === wanted && comparePositions(position, (kept[wanted - 1] as { position: Position }).position, order) >= 0) return;
    let at = kept.length;
    while (at > 0 && comparePositions((kept[at - 1] as { position: Position }).position, position, order) > 0) at--;
    kept.splice(at, 0, { task, position });
    if (kept.length > wanted) kept.pop();
  });
  return { rows: kept.map((row) => row.task), total };
}

/** Null when `budget` entries of the order were read before the page was full (the caller sorts instead). */
function walked(index: TaskIndex, orders: TaskOrders, list: ArrivalList, filter: TaskFilter, matches: (task: TaskRecord) => boolean, key: OrderField, order: 'asc' | 'desc', after: Position | null, wanted: number, budget: number, noneValued: boolean): TaskRecord[] | null {
  if (key === 'received' && filter.received !== null) return inRange(index, orders.received, filter.received, matches, key, order, after, wanted);
  if (key === 'started' && filter.started !== null) return inRange(index, orders.started, filter.started, matches, key, order, after, wanted);
  const sorted: SortedTasks<unknown> = orders[key];
  const rows: TaskRecord[] = [];
  let read = 0;
  const take = (task: TaskRecord): boolean => {
    if (matches(task)) rows.push(task);
    return rows.length < wanted && ++read < budget;
  };
  // A cursor without a value stands among the tasks without one: every task with a value came before it.
  if (!noneValued && (after === null || after.value !== null)) {
    let lo = sorted.start();
    let hi = sorted.end();
    if (after !== null && after.value !== null) {
      // Strictly past the cursor's own entry: arrival numbers are integers.
      if (order === 'asc') lo = sorted.seek(after.value, after.seq + 1);
      else hi = sorted.seek(after.value, after.seq);
    }
    // A time range on another field selects a span of arrival numbers: entries outside it are passed over
    // by their number, no task read (the newest tasks, newer than a range, would fill the budget).
    const span = arrivalSpan(index, filter);
    // Likewise the states asked for, by the slots' state codes (task-slots.ts).
    const inStates = stateTest(index, filter.states);
    sorted.walk(lo, hi, order === 'asc', (task, _value, seq, slot) => seq < span.min || seq > span.max || !inStates(slot) || take(task));
  }
  if (rows.length >= wanted) return rows;
  if (read >= budget) return null;
  // Then the tasks without the value, in arrival order.
  const asc = order === 'asc';
  const afterSeq = after !== null && after.value === null ? after.seq : null;
  let i = asc ? (afterSeq === null ? 0 : list.firstAtOrAfter(afterSeq + 1)) : (afterSeq === null ? list.length : list.firstAtOrAfter(afterSeq)) - 1;
  for (; i >= 0 && i < list.length; i += asc ? 1 : -1) {
    const task = list.at(i);
    if (list.isLive(task) && orderValue(task, key) === null && !take(task)) break;
  }
  return rows;
}

/** Whether a slot's task may be in one of `states`, from the slots' state codes alone. */
function stateTest(index: TaskIndex, states: readonly string[] | null): (slot: number) => boolean {
  if (states === null) return () => true;
  const allowed = new Uint8Array(256);
  for (const state of states) {
    const code = index.slots.knownStateCode(state);
    if (code !== undefined) allowed[code] = 1;
  }
  // States past the 255th share a code: those tasks are read to tell.
  allowed[OTHER_STATE] = 1;
  const codes = index.slots.states;
  return (slot) => allowed[codes[slot] as number] === 1;
}

/** The arrival numbers of the tasks a received or started range holds (everything without one). */
function arrivalSpan(index: TaskIndex, filter: TaskFilter): { min: number; max: number } {
  const segment = rangeSegment(index, filter);
  if (segment === null) return { min: -Infinity, max: Infinity };
  const span = segment.order.seqBounds(segment.lo, segment.hi);
  // Suspect clocks sit in the order at our receive time: they are checked one by one, so they widen it.
  for (const task of index.suspects) {
    span.min = Math.min(span.min, task.seq);
    span.max = Math.max(span.max, task.seq);
  }
  return span;
}

/**
 * Sorted by the field a range is on: only that range's segment of the order is read (no task without the
 * value can match it). A suspect clock's task sits in the order at our receive time, not at its own time:
 * those few are left out of the walk and checked one by one, then merged in by position.
 */
function inRange(index: TaskIndex, sorted: TaskOrder, range: TimeRange, matches: (task: TaskRecord) => boolean, key: OrderField, order: 'asc' | 'desc', after: Position | null, wanted: number): TaskRecord[] {
  let lo = range.from === null ? sorted.start() : sorted.seek(range.from, -Infinity);
  let hi = range.to === null ? sorted.end() : sorted.seek(range.to, range.toIncluded ? Infinity : -Infinity);
  if (after !== null) {
    // A cursor without a value is past every task with one.
    if (after.value === null) return [];
    if (order === 'asc') lo = max(lo, sorted.seek(after.value, after.seq + 1));
    else hi = min(hi, sorted.seek(after.value, after.seq));
  }
  const rows: TaskRecord[] = [];
  sorted.walk(lo, hi, order === 'asc', (task) => {
    if (task.clockSkew === null && matches(task)) rows.push(task);
    return rows.length < wanted;
  });
  if (index.suspects.size === 0) return rows;
  for (const task of index.suspects) {
    if (matches(task) && (after === null || comparePositions(positionOf(task, key), after, order) > 0)) rows.push(task);
  }
  return rows.sort((a, b) => comparePositions(positionOf(a, key), positionOf(b, key), order)).slice(0, wanted);
}

function max(a: OrderPlace, b: OrderPlace): OrderPlace {
  return min(a, b) === a ? b : a;
}

function min(a: OrderPlace, b: OrderPlace): OrderPlace {
  return a.block < b.block || (a.block === b.block && a.index <= b.index) ? a : b;
}
