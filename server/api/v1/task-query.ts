/**
 * GET /api/v1/tasks: the model's tasks, filtered (task-filter.ts), sorted and paged with the store's
 * keyset cursors (server/store/task-cursor.ts).
 */
import { z } from 'zod';
import type { CursorRefusal, TaskStore } from '../../store/task-store';
import { apiError, type ApiResponse, badRequest } from '../api-error';
import { SORT_KEYS, SORT_ORDERS } from '../../store/task-cursor';
import { compileFilter, queryFields, taskFilterShape } from './task-filter';
import { linkedTaskView } from '../task-view';
import { v1Task } from './task-json';
import type { TaskPage } from '@/lib/api/tasks';
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

const CURSOR_REFUSALS: Record<CursorRefusal, string> = {
  malformed: 'cursor: not a cursor of this API',
  'other-run': 'cursor: from an earlier run of the server; start again without a cursor',
  'other-query': 'cursor: made for another sort or other filters; pass the same ones as for the first page',
};

export async function listTasks(state: TaskStore, query: URLSearchParams): Promise<ApiResponse> {
  const parsed = listQuery.safeParse(queryFields(query));
  if (!parsed.success) return badRequest(parsed.error);
  const { limit, cursor: cursorText, sort, order, ...filterInput } = parsed.data;
  const filter = compileFilter(filterInput);
  if (!filter.ok) return filter.response;
  const request: TaskQuery = { filter: filter.filter, sort: { key: sort, order }, page: { kind: 'cursor', cursor: cursorText ?? null, limit } };
  const page = await state.findPage(request);
  if (!page.ok) return apiError(400, CURSOR_REFUSALS[page.reason]);
  const body: TaskPage = {
    tasks: page.tasks.map((task) => v1Task(linkedTaskView(task, state))),
    next_cursor: page.nextCursor,
    total_matching: page.total,
    total_exact: page.totalExact !== false,
  };
  return { status: 200, body };
}
