/**
 * The task filters of /api/v1, one schema for the query string of GET /api/v1/tasks and the JSON body of
 * the bulk actions: several values of a field match any of them (`state=FAILURE&state=REVOKED`,
 * `state=FAILURE,REVOKED`, or `"state": ["FAILURE", "REVOKED"]`), different fields must all match.
 */
import { z } from 'zod';
import { flowerBoolean } from '../../flower-boolean';
import { isEmptyFilter, type TaskFilter as QueryFilter, taskFilter } from '@/lib/query/task-filter';
import { parseTaskSearch } from '@/lib/search/search-parser';
import { SEARCH_LIMITS } from '@/lib/search/search-query';
import { type ApiResponse, searchError } from '../api-error';

const valueList = z
  .union([z.string(), z.array(z.string())], { message: 'expected a string or a list of strings' })
  .transform((value) => (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== ''));

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$/;

/** Unix seconds, from seconds (number or text) or an ISO-8601 date; a date without an offset is UTC. */
export const moment = z.union([z.number(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  const text = String(value).trim();
  if (/^-?\d+(?:\.\d+)?$/.test(text)) return Number(text);
  if (ISO_DATE.test(text)) {
    let iso = text.replace(' ', 'T');
    if (iso.includes('T') && !/(?:Z|[+-]\d{2}:?\d{2})$/.test(iso)) iso += 'Z';
    const ms = Date.parse(iso);
    if (Number.isFinite(ms)) return ms / 1000;
  }
  ctx.addIssue({ code: 'custom', message: 'expected Unix seconds or an ISO-8601 date' });
  return z.NEVER;
});

export const taskFilterShape = {
  state: valueList.optional().describe("Celery states (any case), e.g. FAILURE or ['FAILURE', 'REVOKED']"),
  name: valueList.optional().describe('task names, exactly'),
  worker: valueList.optional().describe('node names of the workers that received or ran the task'),
  queue: valueList.optional().describe('queues the producer sent the task to (known from task-sent events; the routing key is not taken for a queue)'),
  received_after: moment.optional().describe('received at or after: Unix seconds or ISO-8601 (UTC unless an offset is given); a task not received yet is outside every received range'),
  received_before: moment.optional().describe('received before this moment'),
  started_after: moment.optional().describe('started at or after this moment'),
  started_before: moment.optional().describe('started before this moment'),
  lost: flowerBoolean.optional().describe('only tasks whose worker went offline while they were in flight (true) or the others (false)'),
  search: z.string().max(SEARCH_LIMITS.maxLength).optional().describe("Flower's task search language: name:, state:, worker:, args:, kwargs:k=v, result:, AND/OR, quotes, parentheses; a qualified term needs 1 character (args:10), a bare one 3"),
};

export const taskFilterSchema = z.object(taskFilterShape);
export type TaskFilter = z.output<typeof taskFilterSchema>;

export const FILTER_FIELDS = Object.keys(taskFilterShape) as (keyof TaskFilter)[];

export type CompiledFilter =
  | { readonly ok: true; readonly filter: QueryFilter; readonly empty: boolean }
  | { readonly ok: false; readonly response: ApiResponse };

/** The filter in the one query model (lib/query); the store keys cursors by it (server/store/memory-task-page.ts). */
export function compileFilter(input: TaskFilter): CompiledFilter {
  const search = parseTaskSearch(input.search ?? '');
  if (!search.ok) return { ok: false, response: searchError(search.error) };
  const filter = taskFilter({
    states: input.state,
    names: input.name,
    workers: input.worker,
    queues: input.queue,
    received: { from: input.received_after ?? null, to: input.received_before ?? null, toIncluded: false },
    started: { from: input.started_after ?? null, to: input.started_before ?? null, toIncluded: false },
    lost: input.lost,
    search: search.query,
  });
  return { ok: true, filter, empty: isEmptyFilter(filter) };
}

/** A query string as an object for the filter schema: a repeated name gives a list. */
export function queryFields(query: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(query.keys())) {
    const values = query.getAll(key);
    out[key] = values.length === 1 ? (values[0] as string) : values;
  }
  return out;
}
