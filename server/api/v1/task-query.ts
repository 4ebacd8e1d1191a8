/**
 * GET /api/v1/tasks: the model's tasks, filtered (task-filter.ts), sorted and paged with keyset cursors
 * (task-cursor.ts). Each page is one pass over the model: O(tasks) to filter, O(m log m) to sort the m
 * matching rows past the cursor.
 */
import { z } from 'zod';
import type { ClusterState } from '../../state/cluster-state';
import type { TaskRecord } from '../../state/task-record';
import { apiError, type ApiResponse, badRequest } from '../api-error';
import { arrivalEpoch, inArrivalOrder } from './task-arrival';
import { comparePositions, decodeCursor, encodeCursor, type Position, SORT_KEYS, SORT_ORDERS, sortValue } from './task-cursor';
import { compileFilter, queryFields, taskFilterShape } from './task-filter';
import { v1Task } from './task-json';
import type { TaskPage } from '@/lib/api/tasks';
import { matchesFilter } from '@/lib/query/task-filter';
import type { TaskQuery } from '@/lib/query/task-query';

/** A page large enough for any screen, small enough to render and send quickly. */
export const MAX_PAGE = 1000;
const DEFAULT_PAGE = 100;

export const listQuery = z.object({
  ...taskFilterShape,
  limit: z.coerce
    .number({ message: 'expected a number' })
    .int('expected a whole number')
    .min(1, 'must be at least 1')
    .max(MAX_PAGE, `must be at most ${MAX_PAGE}`)
    .default(DEFAULT_PAGE)
    .describe(`tasks per page (default ${DEFAULT_PAGE}, at most ${MAX_PAGE})`),
  cursor: z.string().max(1000).optional().describe('next_cursor of the previous page, with the same filters and sort'),
  sort: z.enum(SORT_KEYS, { message: `expected one of ${SORT_KEYS.join(', ')}` }).default('arrival').describe('arrival (the order Pollen first saw the tasks, default), received, started, succeeded or runtime'),
  order: z.enum(SORT_ORDERS, { message: 'expected asc or desc' }).default('desc').describe('desc (default: newest or longest first) or asc'),
});

export function listTasks(state: ClusterState, query: URLSearchParams): ApiResponse {
  const parsed = listQuery.safeParse(queryFields(query));
  if (!parsed.success) return badRequest(parsed.error);
  const { limit, cursor: cursorText, sort, order, ...filterInput } = parsed.data;
  const filter = compileFilter(filterInput);
  if (!filter.ok) return filter.response;
  // The request in the one query model; this walk over the model is what a store answers it with.
  const request: TaskQuery = { filter: filter.filter, sort: { key: sort, order }, page: { kind: 'cursor', cursor: cursorText ?? null, limit } };
  const epoch = arrivalEpoch(state);
  let after: Position | null = null;
  if (cursorText !== undefined) {
    const cursor = decodeCursor(cursorText);
    if (cursor === null) return apiError(400, 'cursor: not a cursor of this API');
    if (cursor.epoch !== epoch) return apiError(400, 'cursor: from an earlier run of the server; start again without a cursor');
    if (cursor.sort !== sort || cursor.order !== order || cursor.filter !== filter.key) {
      return apiError(400, 'cursor: made for another sort or other filters; pass the same ones as for the first page');
    }
    after = cursor.position;
  }
  let total = 0;
  const rows: { task: TaskRecord; position: Position }[] = [];
  for (const [task, seq] of inArrivalOrder(state)) {
    if (!matchesFilter(request.filter, task)) continue;
    total++;
    const position = { value: sortValue(task, sort, seq), seq };
    if (after === null || comparePositions(position, after, order) > 0) rows.push({ task, position });
  }
  rows.sort((a, b) => comparePositions(a.position, b.position, order));
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const body: TaskPage = {
    tasks: page.map((row) => v1Task(row.task, state)),
    next_cursor: rows.length > limit && last ? encodeCursor({ epoch, sort, order, filter: filter.key, position: last.position }) : null,
    total_matching: total,
  };
  return { status: 200, body };
}
