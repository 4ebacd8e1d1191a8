/**
 * Flower's read endpoints over the live model: GET /api/workers, /api/tasks, /api/task/info/:id
 * (FLOWER-API.md §2.1–2.2), with `search` in Flower's task search language (§2.5). Same paths, parameters
 * and JSON shapes, so existing scripts keep working.
 */
import { z } from 'zod';
import { flowerBoolean } from '../flower-boolean';
import { taskFilter } from '@/lib/query/task-filter';
import type { TaskQuery } from '@/lib/query/task-query';
import { parseTaskSearch } from '@/lib/search/search-parser';
import { INSPECT_METHODS, INSPECT_STALE_MS, type InspectCache } from '../control/inspect-cache';
import type { TaskStore } from '../store/task-store';
import { apiError, type ApiResponse, badRequest, queryObject, searchError } from './api-error';
import { flowerTask } from './flower-task-json';
import { linkedTaskView } from './task-view';
import { workerJson } from './worker-json';
import { StreamedJsonObject } from '../http/streamed-json';

export const workersQuery = z.object({
  status: flowerBoolean.optional(),
  refresh: flowerBoolean.optional(),
  workername: z.string().optional(),
});

/**
 * Each worker's event-derived fields, joined with its last inspect replies (Flower's stats,
 * active_queues, registered, scheduled, active, reserved, revoked, conf) and, in `inspected_at`, when
 * each reply came (Unix seconds). `refresh=true` inspects now and waits, as Flower does.
 */
function hostnames(store: TaskStore): string[] {
  return Array.from(store.workers(), (worker) => worker.hostname);
}

export async function getWorkers(state: TaskStore, inspect: InspectCache | null, query: URLSearchParams, nowMs: number): Promise<ApiResponse> {
  const parsed = workersQuery.safeParse(queryObject(query));
  if (!parsed.success) return badRequest(parsed.error);
  const now = nowMs / 1000;
  const { status, workername, refresh } = parsed.data;
  if (inspect && refresh) await inspect.refresh(workername === undefined ? null : [workername]);
  else if (inspect && !status && inspect.isStale(INSPECT_STALE_MS, hostnames(state))) inspect.refreshInBackground();
  const names = new Set([...hostnames(state), ...(inspect?.workers() ?? [])]);
  if (workername !== undefined) {
    if (!names.has(workername)) return apiError(404, `Unknown worker '${workername}'`);
    names.clear();
    names.add(workername);
  }
  const body: Record<string, unknown> = {};
  for (const name of names) {
    const worker = state.worker(name);
    if (status) {
      body[name] = worker ? worker.alive(now) : false;
      continue;
    }
    const replies = inspect?.snapshot(name) ?? {};
    const inspected: Record<string, unknown> = {};
    const inspectedAt: Record<string, number> = {};
    for (const method of INSPECT_METHODS) {
      const reply = replies[method];
      if (!reply) continue;
      inspected[method] = reply.value;
      inspectedAt[method] = reply.at / 1000;
    }
    body[name] = { ...(worker ? workerJson(worker, now) : { hostname: name, alive: false }), ...inspected, inspected_at: inspectedAt };
  }
  return { status: 200, body };
}

const SORT_KEYS = ['name', 'state', 'received', 'started'] as const;
const minute = z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/, "expected 'YYYY-MM-DD HH:MM'");

export const tasksQuery = z.object({
  limit: z.coerce.number({ message: 'expected a number' }).int('expected a whole number').min(0, 'must not be negative').optional(),
  offset: z.coerce.number({ message: 'expected a number' }).int('expected a whole number').min(0, 'must not be negative').default(0),
  sort_by: z.enum([...SORT_KEYS, ...SORT_KEYS.map((k) => `-${k}` as const)], { message: `expected one of ${SORT_KEYS.join(', ')} (prefix - for descending)` }).optional(),
  workername: z.string().optional(),
  taskname: z.string().optional(),
  state: z.string().optional(),
  received_start: minute.optional(),
  received_end: minute.optional(),
  search: z.string().optional(),
});

/** Flower reads these times in the server's local time zone; so do we. */
function localMinute(text: string): number {
  const [date, time] = text.split(' ') as [string, string];
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const [hh, mm] = time.split(':').map(Number) as [number, number];
  return new Date(y, m - 1, d, hh, mm).getTime() / 1000;
}

const ALL = 'All';

/** A Flower list filter: `All` (or nothing) means none. */
function flowerValue(value: string | undefined): string[] | null {
  return value === undefined || value === ALL ? null : [value];
}

/**
 * Flower's parameters in the one query model: `state`, `taskname` and `workername` are one value each
 * (`All` for any; a state in any case), `received_start` and `received_end` are local minutes, both
 * included, and `sort_by` names a field (`-` for descending) or, left out, the newest state change first.
 */
export function flowerTaskQuery(q: z.output<typeof tasksQuery>): { ok: true; query: TaskQuery } | { ok: false; response: ApiResponse } {
  // Parsed once for the request; a search that does not parse is Flower's 400 {"error": ...}.
  const search = parseTaskSearch(q.search ?? '');
  if (!search.ok) return { ok: false, response: searchError(search.error) };
  const filter = taskFilter({
    states: flowerValue(q.state),
    names: flowerValue(q.taskname),
    workers: flowerValue(q.workername),
    received: {
      from: q.received_start === undefined ? null : localMinute(q.received_start),
      to: q.received_end === undefined ? null : localMinute(q.received_end),
      toIncluded: true,
    },
    search: search.query,
  });
  const sort = q.sort_by === undefined
    ? { key: 'timestamp' as const, order: 'desc' as const }
    : { key: q.sort_by.replace('-', '') as (typeof SORT_KEYS)[number], order: q.sort_by.startsWith('-') ? ('desc' as const) : ('asc' as const) };
  return { ok: true, query: { filter, sort, page: { kind: 'offset', offset: q.offset, limit: q.limit ?? null } } };
}

export async function getTasks(state: TaskStore, query: URLSearchParams): Promise<ApiResponse> {
  const parsed = tasksQuery.safeParse(queryObject(query));
  if (!parsed.success) return badRequest(parsed.error);
  const q = parsed.data;
  const built = flowerTaskQuery(q);
  if (!built.ok) return built.response;
  const page = await state.findPage(built.query);
  if (!page.ok) return apiError(400, 'offset pages take no cursor');
  const tasks = page.tasks;
  // Without a limit (Flower's default) this is every task: written as it is serialized, never whole.
  return {
    status: 200,
    body: new StreamedJsonObject(function* () {
      for (const t of tasks) yield [t.uuid, flowerTask(linkedTaskView(t, state))] as const;
    }),
  };
}

export async function getTaskInfo(state: TaskStore, id: string): Promise<ApiResponse> {
  const linked = await state.findTaskWithLinks(id);
  if (linked === undefined) return apiError(404, `Unknown task '${id}'`);
  return { status: 200, body: flowerTask(linkedTaskView(linked.task, { childrenOf: () => linked.children, retriedAs: () => linked.retriedAs })) };
}

/** Flower's `GET /api/task/types`: the names of the tasks seen, sorted. */
export function getTaskTypes(state: TaskStore): ApiResponse {
  return { status: 200, body: { 'task-types': state.taskNames() } };
}
