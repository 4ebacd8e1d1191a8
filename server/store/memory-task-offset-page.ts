/**
 * Flower's offset pages (/api/tasks with `sort_by`, and its default order) from the model's kept
 * structures, in the reference's order (memory-task-page.ts): a stable sort of the arrival order, a
 * missing value counting as 0 (so first ascending, last descending), ties in arrival order either way.
 *
 * - received, started, succeeded, runtime: the kept order (server/state/task-order.ts), and the tasks
 *   without the value from the candidates' arrival list; O(offset + page) past the narrowing.
 * - name, state: the kept arrival list of each name or state, taken in the keys' order.
 * - timestamp (when the current state was reached, Flower's default, newest first): it changes with
 *   every event, so no order is kept for it (that would cost every event a move). The page is selected
 *   instead: one pass collects the matches' times (with no filter, from the slots' flat array of them,
 *   touching no task), a linear-time selection finds the times at the page's two ends, a second pass
 *   takes the tasks between them. O(matches), with no sort of them all.
 *
 * The total comes from the kept counts, else from the cheapest exact count (memory-task-matches.ts).
 *
 * The caller walks (the reference) where none of these applies.
 */
import { isEmptyFilter, type TaskFilter } from '@/lib/query/task-filter';
import type { TaskQuery } from '@/lib/query/task-query';
import type { ArrivalList } from '../state/arrival-list';
import { type OrderField, orderValue, type TaskIndex } from '../state/task-index';
import type { TaskRecord } from '../state/task-record';
import { countMatches, forEachMatch, taskMatcher } from './memory-task-matches';
import { type Candidates, candidateList, countedTotal } from './memory-task-plan';
import { kthSmallest } from './select-kth';
import type { TaskPageResult } from './task-store';

/** Takes matches in page order: skips `offset`, keeps `limit`. */
class PageTaker {
  readonly tasks: TaskRecord[] = [];
  private seen = 0;

  constructor(private readonly offset: number, private readonly limit: number | null) {}

  /** Returns whether to go on. */
  take(task: TaskRecord): boolean {
    if (this.seen >= this.offset) this.tasks.push(task);
    this.seen++;
    return this.limit === null || this.tasks.length < this.limit;
  }
}

/** The page, or null when the query is not one of these (the caller walks). */
export function offsetPage(index: TaskIndex, taskCount: number, query: TaskQuery): TaskPageResult | null {
  if (query.page.kind !== 'offset') return null;
  const { key, order } = query.sort;
  const { offset, limit } = query.page;
  const { filter } = query;
  const candidates = candidateList(index, taskCount, filter);
  if (candidates === null) return { ok: true, tasks: [], total: 0, nextCursor: null };
  const total = countedTotal(index, taskCount, filter, candidates) ?? countMatches(index, taskCount, filter);
  if (limit === 0) return { ok: true, tasks: [], total, nextCursor: null };
  const taker = new PageTaker(offset, limit);
  const matches = taskMatcher(index, filter);
  switch (key) {
    case 'received':
    case 'started':
    case 'succeeded':
    case 'runtime':
      if (!byOrder(index, candidates, matches, key, order, taker)) return null;
      break;
    case 'name':
    case 'state':
      if (!byKey(index, taskCount, candidates, matches, key, order, taker)) return null;
      break;
    case 'timestamp':
      return { ok: true, tasks: byTimestamp(index, taskCount, filter, order, offset, limit), total, nextCursor: null };
    default:
      return null;
  }
  return { ok: true, tasks: taker.tasks, total, nextCursor: null };
}

/** False when a value is 0 or less: it would tie with the missing ones, which this order cannot interleave. */
function byOrder(index: TaskIndex, candidates: Candidates, matches: (task: TaskRecord) => boolean, key: OrderField, order: 'asc' | 'desc', taker: PageTaker): boolean {
  const sorted = index.sortedBy(key);
  // Still being built (kept-orders.ts): the caller walks.
  if (sorted === null) return false;
  const lowest = sorted.firstValue();
  if (lowest !== null && lowest <= 0) return false;
  let going = true;
  const take = (task: TaskRecord): boolean => (going = !matches(task) || taker.take(task));
  const withoutValue = (): void => {
    const list = candidates.list;
    for (let i = 0; i < list.length && going; i++) {
      const task = list.at(i);
      if (list.isLive(task) && orderValue(task, key) === null) take(task);
    }
  };
  if (order === 'asc') {
    withoutValue();
    if (going) sorted.walk(sorted.start(), sorted.end(), true, take);
    return true;
  }
  // Descending, equal values keep their arrival order: each run of them is turned back before it is taken.
  let run: TaskRecord[] = [];
  let runValue = NaN;
  const flush = (): void => {
    for (let i = run.length - 1; i >= 0 && going; i--) take(run[i] as TaskRecord);
    run = [];
  };
  sorted.walk(sorted.start(), sorted.end(), false, (task, value) => {
    if (value !== runValue) {
      flush();
      runValue = value;
    }
    run.push(task);
    return going;
  });
  flush();
  withoutValue();
  return true;
}

/** False while the key's lists are being built (key-index.ts): the caller walks. */
function byKey(index: TaskIndex, taskCount: number, candidates: Candidates, matches: (task: TaskRecord) => boolean, key: 'name' | 'state', order: 'asc' | 'desc', taker: PageTaker): boolean {
  const counts = index.counts(key);
  const keys = [...counts.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let kept = 0;
  for (const count of counts.values()) kept += count;
  // Tasks without a name sort as '' (first ascending): they are in no name's list.
  const blank = key === 'name' && kept < taskCount ? [''] : [];
  const groups = order === 'asc' ? [...blank, ...keys] : [...keys.reverse(), ...blank];
  for (const group of groups) {
    const list = group === '' ? candidates.list : index.list(key, group);
    if (list === null) return false;
    if (list === undefined) continue;
    for (let i = 0; i < list.length; i++) {
      const task = list.at(i);
      if (!list.isLive(task) || (group === '' && (task[key] ?? '') !== '') || (group !== '' && task[key] !== group)) continue;
      if (matches(task) && !taker.take(task)) return true;
    }
  }
  return true;
}

let scratch = new Float64Array(1024);

/**
 * The page in Flower's `timestamp` order, by selection over the matches' times as the slots keep them:
 * with no filter no task is touched but the page's band.
 */
function byTimestamp(index: TaskIndex, taskCount: number, filter: TaskFilter, order: 'asc' | 'desc', offset: number, limit: number | null): TaskRecord[] {
  const { timestamps, tasks: bySlot, used } = index.slots;
  const everything = isEmptyFilter(filter);
  let n = 0;
  if (everything) {
    // The slots' times as they are, free slots (NaN) squeezed out: a copy of contiguous memory.
    if (scratch.length < used) scratch = new Float64Array(Math.max(used, scratch.length * 2));
    scratch.set(timestamps.subarray(0, used));
    for (let slot = 0; slot < used; slot++) {
      const value = scratch[slot] as number;
      if (value === value) scratch[n++] = value;
    }
  } else {
    forEachMatch(index, taskCount, filter, (task) => {
      if (n === scratch.length) {
        const grown = new Float64Array(scratch.length * 2);
        grown.set(scratch);
        scratch = grown;
      }
      scratch[n++] = timestamps[task.slot] as number;
    });
  }
  const end = limit === null ? n : Math.min(n, offset + limit);
  if (offset >= end) return [];
  // The page spans [offset, end) of the order, so its values lie between the values at those two ranks.
  const values = scratch.subarray(0, n);
  // Ranks in ascending values; the second selection starts where the first left everything larger.
  const first = order === 'asc' ? offset : n - end;
  const last = order === 'asc' ? end - 1 : n - 1 - offset;
  const low = kthSmallest(values, first);
  const high = last === first ? low : kthSmallest(values.subarray(first), last - first);
  // Matches strictly before the band in the page's order, and the band itself.
  let before = 0;
  const band: { task: TaskRecord; value: number }[] = [];
  const place = (task: TaskRecord, value: number): void => {
    if (value >= low && value <= high) band.push({ task, value });
    else if (order === 'asc' ? value < low : value > high) before++;
  };
  if (everything) {
    for (let slot = 0; slot < used; slot++) {
      const value = timestamps[slot] as number;
      // Most values fall outside the band; NaN (a free slot) fails every comparison.
      if (value >= low && value <= high) band.push({ task: bySlot[slot] as TaskRecord, value });
      else if (order === 'asc' ? value < low : value > high) before++;
    }
  } else {
    forEachMatch(index, taskCount, filter, (task) => place(task, timestamps[task.slot] as number));
  }
  // Equal values in arrival order, as Flower's stable sort leaves them.
  band.sort((x, y) => (order === 'asc' ? x.value - y.value : y.value - x.value) || x.task.seq - y.task.seq);
  return band.slice(offset - before, end - before).map((entry) => entry.task);
}
