/**
 * Every task a filter matches, found from the cheapest place the model keeps, for totals and for pages
 * that must see all matches (Flower's default order, a selective sort):
 * - a single state, name, worker or queue: its kept list (k tasks);
 * - a received or started range: that segment of the kept order, plus the few tasks with suspect clocks,
 *   which sort by our receive time and so are checked one by one;
 * - a free-text search: a scan of the per-slot signatures (contiguous memory, no task touched), then the
 *   candidates are matched for real;
 * - else every task.
 * At a million tasks, touching each task record costs more in cache misses than the test itself, so the
 * plan is the one that touches fewest. A total for a range alone is read off the order's ranks.
 */
import { matchesFilter, type TaskFilter } from '@/lib/query/task-filter';
import { searchFilter, type SearchFilter } from '@/lib/search/search-signature';
import type { SearchNode, SearchQuery } from '@/lib/search/search-query';
import type { TaskIndex } from '../state/task-index';
import type { OrderPlace, TaskOrder } from '../state/task-order';
import type { TaskRecord } from '../state/task-record';
import { SIGNATURE_WORDS } from '../state/task-slots';
import { candidateList, countedTotal } from './memory-task-plan';

/** Tests a held task against the filter, its search signature first (a few word tests before any text is lower-cased). */
export function taskMatcher(index: TaskIndex, filter: TaskFilter): (task: TaskRecord) => boolean {
  const search = searchFilter(filter.search);
  if (!search.prunes) return (task) => matchesFilter(filter, task);
  // Read once per page: the model does not change while one is read. A marked slot's signature is out of date.
  const { signatures, marked } = index.signatures();
  return (task) => (marked[task.slot] !== 0 || search.mayMatch(signatures, task.slot * SIGNATURE_WORDS, task.state)) && matchesFilter(filter, task);
}

/** The tasks matching `filter`, exactly. */
export function countMatches(index: TaskIndex, taskCount: number, filter: TaskFilter): number {
  const candidates = candidateList(index, taskCount, filter);
  const counted = countedTotal(index, taskCount, filter, candidates);
  if (counted !== null) return counted;
  const ranged = rangeOnly(index, filter);
  if (ranged !== null) return ranged;
  let total = 0;
  forEachMatch(index, taskCount, filter, () => {
    total++;
  });
  return total;
}

/** Visits every task matching `filter` once, in no particular order. */
export function forEachMatch(index: TaskIndex, taskCount: number, filter: TaskFilter, visit: (task: TaskRecord) => void): void {
  const candidates = candidateList(index, taskCount, filter);
  if (candidates === null) return;
  const matches = taskMatcher(index, filter);
  const range = rangeSegment(index, filter);
  const scan = scannable(index, filter.search);
  // Touching a task costs about as much as scanning eight signatures.
  const costs = [candidates.size * 8, range === null ? Infinity : range.size * 8, scan === null ? Infinity : taskCount];
  const cheapest = costs.indexOf(Math.min(...costs));
  if (cheapest === 1 && range !== null) {
    range.order.walk(range.lo, range.hi, true, (task) => {
      if (task.clockSkew === null && matches(task)) visit(task);
      return true;
    });
    for (const task of index.suspects) if (matches(task)) visit(task);
    return;
  }
  if (cheapest === 2 && scan !== null) {
    const { signatures, marked } = index.signatures();
    const { tasks, used } = index.slots;
    for (let slot = 0; slot < used; slot++) {
      if (marked[slot] === 0 && !scan.mayMatch(signatures, slot * SIGNATURE_WORDS, '')) continue;
      const task = tasks[slot];
      if (task !== null && task !== undefined && matchesFilter(filter, task)) visit(task);
    }
    return;
  }
  const list = candidates.list;
  for (let i = 0; i < list.length; i++) {
    const task = list.at(i);
    if (list.isLive(task) && matches(task)) visit(task);
  }
}

export interface Segment {
  readonly order: TaskOrder;
  readonly lo: OrderPlace;
  readonly hi: OrderPlace;
  readonly size: number;
}

/** The part of the received (or started) order a range on it selects, with the suspect clocks left out. */
export function rangeSegment(index: TaskIndex, filter: TaskFilter): Segment | null {
  const [field, range] = filter.received !== null ? (['received', filter.received] as const) : filter.started !== null ? (['started', filter.started] as const) : [null, null];
  if (field === null || range === null) return null;
  const orders = index.orders;
  if (orders === null) return null;
  const order = orders[field];
  const lo = range.from === null ? order.start() : order.seek(range.from, -Infinity);
  const hi = range.to === null ? order.end() : order.seek(range.to, range.toIncluded ? Infinity : -Infinity);
  return { order, lo, hi, size: Math.max(0, order.rankOf(hi) - order.rankOf(lo)) + index.suspects.size };
}

/** The total of a filter that is one time range and nothing else, from the order's ranks; null for any other filter. */
function rangeOnly(index: TaskIndex, filter: TaskFilter): number | null {
  const others = filter.states ?? filter.names ?? filter.workers ?? filter.queues ?? filter.lost;
  if (others !== null || filter.search.kind !== 'all' || (filter.received !== null && filter.started !== null)) return null;
  const segment = rangeSegment(index, filter);
  if (segment === null) return null;
  let total = segment.order.rankOf(segment.hi) - segment.order.rankOf(segment.lo);
  // A suspect clock's task sits in the order at our receive time: take it out where it sits, count it by its own time.
  const field = filter.received !== null ? 'received' : 'started';
  const range = filter.received ?? filter.started;
  for (const task of index.suspects) {
    const at = task[field];
    if (at === null || range === null) continue;
    const sorted = Math.min(at, task.lastReceivedAt);
    if (inRange(range, sorted)) total--;
    if (matchesFilter(filter, task)) total++;
  }
  return total;
}

function inRange(range: { readonly from: number | null; readonly to: number | null; readonly toIncluded: boolean }, time: number): boolean {
  return (range.from === null || time >= range.from) && (range.to === null || time < range.to || (range.toIncluded && time === range.to));
}

/** The search's signature test when it can rule tasks out without reading them (their state never matters); else null. */
function scannable(index: TaskIndex, search: SearchQuery): SearchFilter | null {
  if (search.kind === 'all' || readsState(search, [...index.counts('state').keys()].map((s) => s.toLowerCase()))) return null;
  const compiled = searchFilter(search);
  return compiled.prunes ? compiled : null;
}

/** Whether the signature test of `node` would look at a task's state: a state term, or free text some state holds. */
function readsState(node: SearchNode, states: readonly string[]): boolean {
  switch (node.kind) {
    case 'state':
      return true;
    case 'text':
      return node.field === null && states.some((state) => state.includes(node.needle));
    case 'kwarg':
      return false;
    case 'and':
    case 'or':
      return node.children.some((child) => readsState(child, states));
  }
}
