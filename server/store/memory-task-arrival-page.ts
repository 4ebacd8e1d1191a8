/**
 * Pages in arrival order (v1's default sort, `arrival`, and Flower's `sort_by` arrival and bulk
 * selection) answered from the model's kept arrival lists (server/state/task-index.ts) instead of a walk:
 * from the cursor's place (a binary search) or the end, stopping once the page is full, so an unfiltered
 * or loosely filtered page costs O(page + log n). A filter naming one state, name, worker or queue walks
 * that key's list (the smallest, when several are named), so a selective filter costs O(page) too.
 *
 * The total (v1's total_matching) comes from the kept counts when the filter names values of one key
 * and nothing else, or nothing at all; any other filter (a time range, lost, a search, two keys) is
 * counted apart, from the cheapest kept source (memory-task-matches.ts). A search is tested on its
 * signature before any text. Offset pages skip `offset` matches: O(offset + page).
 *
 * Gives exactly the reference's pages (memory-task-page.ts), which the randomized test checks.
 */
import type { TaskQuery } from '@/lib/query/task-query';
import type { ArrivalList } from '../state/arrival-list';
import type { TaskIndex } from '../state/task-index';
import type { TaskRecord } from '../state/task-record';
import { cursorAfter, cursorPageOf, filterKey } from './memory-task-page';
import { countMatches, rangeSegment, type Segment, taskMatcher } from './memory-task-matches';
import { candidateList, countedTotal } from './memory-task-plan';
import { comparePositions, encodeCursor, type Position } from './task-cursor';
import type { TaskPageResult } from './task-store';

/** The page, or null when the query is not in arrival order (the caller walks). */
export function arrivalPage(index: TaskIndex, taskCount: number, epoch: string, query: TaskQuery): TaskPageResult | null {
  if (query.sort.key !== 'arrival') return null;
  const { filter } = query;
  const order = query.sort.order;
  const narrowed = candidateList(index, taskCount, filter);
  // The total from the kept counts, else from the cheapest exact count (memory-task-matches.ts): the page's
  // own walk stops once the page is full.
  const total = narrowed === null ? 0 : (countedTotal(index, taskCount, filter, narrowed) ?? countMatches(index, taskCount, filter));
  const candidates = narrowed?.list ?? null;
  const matches = taskMatcher(index, filter);
  const step = order === 'asc' ? 1 : -1;

  if (query.page.kind === 'offset') {
    const { offset, limit } = query.page;
    const tasks: TaskRecord[] = [];
    let skipped = 0;
    if (candidates !== null && limit !== 0) {
      walk(candidates, matches, order === 'asc' ? 0 : candidates.length - 1, step, (task) => {
        if (skipped < offset) skipped++;
        else tasks.push(task);
        return limit === null || tasks.length < limit;
      });
    }
    return { ok: true, tasks, total, nextCursor: null };
  }

  const fkey = filterKey(filter);
  const after = cursorAfter(query.page.cursor, epoch, 'arrival', order, fkey);
  if (after !== null && 'refused' in after) return { ok: false, reason: after.refused };
  const limit = query.page.limit;
  const rows: TaskRecord[] = [];
  const segment = narrowed === null ? null : rangeSegment(index, filter);
  if (segment !== null && narrowed !== null && segment.size < narrowed.size && (after === null || after.value !== null)) {
    // A time range smaller than the candidates: its segment of the kept order, read by arrival.
    rows.push(...inRangeByArrival(index, segment, matches, order, after?.seq ?? null, limit + 1));
  } else if (candidates !== null && (after === null || after.value !== null)) {
    // A position without a value sorts after every task: nothing follows it.
    const start = after === null || after.value === null ? (order === 'asc' ? 0 : candidates.length - 1) : startAt(candidates, after.value, order);
    walk(candidates, matches, start, step, (task) => {
      if (after === null || comparePositions(positionOf(task), after, order) > 0) rows.push(task);
      return rows.length <= limit;
    });
  }
  return cursorPageOf(rows, limit, total, (last) => encodeCursor({ epoch, sort: 'arrival', order, filter: fkey, position: positionOf(last) }));
}

/** The first `wanted` matches in a range's segment by arrival (past `beyond`), the suspect clocks' tasks among them. */
function inRangeByArrival(index: TaskIndex, segment: Segment, matches: (task: TaskRecord) => boolean, order: 'asc' | 'desc', beyond: number | null, wanted: number): TaskRecord[] {
  const newest = order === 'desc';
  const past = (task: TaskRecord): boolean => beyond === null || (newest ? task.seq < beyond : task.seq > beyond);
  const found = segment.order.byArrival(segment.lo, segment.hi, wanted, newest, beyond, (task) => task.clockSkew === null && matches(task));
  for (const task of index.suspects) if (past(task) && matches(task)) found.push(task);
  return found.sort((a, b) => (newest ? b.seq - a.seq : a.seq - b.seq)).slice(0, wanted);
}

function positionOf(task: TaskRecord): Position {
  return { value: task.seq, seq: task.seq };
}

/** The first index a page after `value` may start at: the entries at `value` itself are sorted out by position. */
function startAt(list: ArrivalList, value: number, order: 'asc' | 'desc'): number {
  const index = list.firstAtOrAfter(value);
  if (order === 'asc') return index;
  return index < list.length && list.at(index).seq === value ? index : index - 1;
}

/** Visits the held tasks that match from `start` by `step` while `visit` returns true. */
function walk(list: ArrivalList, matches: (task: TaskRecord) => boolean, start: number, step: 1 | -1, visit: (task: TaskRecord) => boolean): void {
  for (let i = start; i >= 0 && i < list.length; i += step) {
    const task = list.at(i);
    if (list.isLive(task) && matches(task) && !visit(task)) return;
  }
}
