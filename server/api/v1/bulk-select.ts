/**
 * Which tasks a bulk action acts on: the ids given, or the tasks the filters match (task-filter.ts), at
 * most MAX_BULK per request. An action on every task (no ids, no filter) is refused rather than taken as
 * "all": a typo in a field name must not retry or revoke the whole cluster.
 */
import { z } from 'zod';
import { flowerBoolean } from '../../flower-boolean';
import type { TaskStore } from '../../store/task-store';
import { apiError, type ApiResponse } from '../api-error';
import { taskIdParam } from '../task-id';
import { compileFilter, FILTER_FIELDS, type TaskFilter, taskFilterShape } from './task-filter';

/** Bounds the work (and the broker traffic) of one request; larger jobs are split by time or by ids. */
export const MAX_BULK = 1000;

export const bulkShape = {
  ...taskFilterShape,
  ids: z
    .array(taskIdParam, { message: 'expected a list of task ids' })
    .min(1, 'must not be empty')
    .max(MAX_BULK, `at most ${MAX_BULK} ids per request`)
    .optional()
    .describe('the tasks to act on, instead of filters'),
  dry_run: flowerBoolean.default(false).describe('only count and explain: nothing is sent'),
};

export type BulkSelection = { readonly ok: true; readonly ids: readonly string[] } | { readonly ok: false; readonly response: ApiResponse };

/** Task ids in arrival order (or as given), refused past MAX_BULK or without any criterion. */
export function selectTasks(state: TaskStore, input: TaskFilter & { readonly ids?: readonly string[] | undefined }): BulkSelection {
  const filterGiven = FILTER_FIELDS.filter((field) => input[field] !== undefined);
  if (input.ids !== undefined) {
    if (filterGiven.length > 0) return { ok: false, response: apiError(400, `ids: give either ids or filters, not both (got ${filterGiven.join(', ')})`) };
    return { ok: true, ids: [...new Set(input.ids)] };
  }
  const filter = compileFilter(input);
  if (!filter.ok) return filter;
  if (filter.empty) return { ok: false, response: apiError(400, 'request: give ids or at least one filter (state, name, worker, queue, received_*, started_*, lost, search)') };
  const ids: string[] = [];
  const page = state.page({ filter: filter.filter, sort: { key: 'arrival', order: 'asc' }, page: { kind: 'offset', offset: 0, limit: null } });
  if (page.ok) for (const task of page.tasks) ids.push(task.uuid);
  if (ids.length > MAX_BULK) {
    return {
      ok: false,
      response: apiError(400, `request: the filters match ${ids.length} tasks, more than the ${MAX_BULK} allowed per request; narrow them (received_before, name, ...) or pass ids`),
    };
  }
  return { ok: true, ids };
}
