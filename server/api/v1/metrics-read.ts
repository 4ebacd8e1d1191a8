/**
 * /api/v1/metrics series and percentiles, read from server/metrics: throughput per state (overall, per
 * task name, worker or queue), latency distributions (runtime, wait, end-to-end) over any window, every
 * task's percentiles at once, and a worker's gauges over time. Every parameter is checked here; a bad
 * one is a 400 naming it.
 */
import { z } from 'zod';
import { flowerBoolean } from '../../flower-boolean';
import { bucketRange, LATENCY_KINDS, type LatencyKind, type LatencySummary, type Metrics } from '../../metrics';
import type { TaskStore } from '../../store/task-store';
import { apiError, type ApiResponse, badRequest, queryObject } from '../api-error';
import { MEMORY_METRIC_RANGES, METRIC_RANGES } from '@/lib/api/metrics';
import type { LatencyByTaskResponse, LatencyByTaskRow, LatencyPointJson, LatencyResponse, ThroughputResponse, WindowEcho, WorkerSeriesResponse } from '@/lib/api/metrics';
import { checkWindow, rangeNeedsHistory, resolveWindow, windowFields } from './metrics-window';
import { historyLatency, historyLatencyByTask, historyThroughput } from '../../rollups/history-window';
import { EMPTY_SUMMARY, summarize } from '../../metrics/sketch-ops';

const DIMENSIONS = ['all', 'task', 'worker', 'queue'] as const;
const kind = z.enum(LATENCY_KINDS, { message: `expected one of ${LATENCY_KINDS.join(', ')}` });

export const throughputQuery = z
  .object({
    dimension: z.enum(DIMENSIONS, { message: `expected one of ${DIMENSIONS.join(', ')}` }).default('all').describe('which series: all tasks, or one task name, worker or queue'),
    key: z.string().min(1, 'must not be empty').optional().describe('the task name, worker or queue (required unless dimension is all)'),
    ...windowFields,
  })
  .superRefine(checkWindow)
  .superRefine((q, ctx) => {
    if (q.dimension !== 'all' && q.key === undefined) ctx.addIssue({ code: 'custom', path: ['key'], message: `required when dimension is ${q.dimension}` });
  });

export const latencyQuery = z
  .object({
    kind: kind.default('runtime').describe('runtime, wait (sent or received to started) or endToEnd (sent to done)'),
    task: z.string().min(1, 'must not be empty').optional().describe('a task name; without it, every task together'),
    series: flowerBoolean.default(false).describe('also one summary per minute'),
    ...windowFields,
  })
  .superRefine(checkWindow);

const SORTS = ['name', 'count', 'p50', 'p90', 'p99', 'max'] as const;

export const latencyByTaskQuery = z
  .object({
    kind: kind.optional().describe('one kind; without it, all three'),
    sort: z.enum(SORTS, { message: `expected one of ${SORTS.join(', ')}` }).default('name').describe('name, or largest first by count or a percentile of the first kind'),
    limit: z.coerce.number({ message: 'expected a number' }).int('expected a whole number').min(1, 'must be at least 1').max(10_000, 'must be at most 10000').optional().describe('at most this many rows'),
    ...windowFields,
  })
  .superRefine(checkWindow);

/** Worker gauges are kept per minute only, so there is no resolution to choose. */
export const workerSeriesQuery = z.object({ from: windowFields.from, to: windowFields.to, range: windowFields.range }).superRefine(checkWindow);

/** The resolved window and the resolution Metrics will use for it. */
export function windowEcho(window: { from: number; to: number; resolution?: 'second' | 'minute' }, nowMs: number): WindowEcho & { readonly resolution: 'second' | 'minute' } {
  const { resolution, step } = bucketRange(window, nowMs);
  return { from: window.from, to: window.to, resolution, step };
}

export async function getThroughput(metrics: Metrics, store: TaskStore, query: URLSearchParams, nowMs: number): Promise<ApiResponse> {
  const parsed = throughputQuery.safeParse(queryObject(query));
  if (!parsed.success) return badRequest(parsed.error);
  const { dimension, key } = parsed.data;
  const refused = rangeNeedsHistory(parsed.data, store);
  if (refused !== null) return refused;
  const window = resolveWindow(parsed.data, nowMs);
  const history = store.metricHistory;
  if (history !== null && (dimension === 'all' || dimension === 'task')) {
    const past = await historyThroughput(history, metrics, dimension === 'all' ? '' : (key ?? ''), window, nowMs);
    if (past !== null) {
      const points = past.points.map((p) => ({ t: p.t, ...p.counts }));
      const body: ThroughputResponse = { from: window.from, to: window.to, resolution: past.resolution, step: past.step, dimension, key: dimension === 'all' ? null : (key ?? null), totals: past.totals, points };
      return { status: 200, body };
    }
  } else if (history !== null && parsed.data.range !== undefined && window.to - window.from > 86_400_000) {
    return apiError(400, `range ${parsed.data.range}: history keeps metrics per task name and for all tasks, not per ${dimension}; per ${dimension} they are kept for 24 hours`, 'not_kept');
  }
  const echo = windowEcho(window, nowMs);
  const fixed = { ...window, resolution: echo.resolution };
  const points = metrics.series(dimension, key ?? '', fixed).map((p) => ({ t: p.t, ...p.counts }));
  const body: ThroughputResponse = { ...echo, dimension, key: dimension === 'all' ? null : (key ?? null), totals: metrics.totals(dimension, key ?? '', fixed), points };
  return { status: 200, body };
}

export async function getLatency(metrics: Metrics, store: TaskStore, query: URLSearchParams, nowMs: number): Promise<ApiResponse> {
  const parsed = latencyQuery.safeParse(queryObject(query));
  if (!parsed.success) return badRequest(parsed.error);
  const { kind: k, task, series } = parsed.data;
  const refused = rangeNeedsHistory(parsed.data, store);
  if (refused !== null) return refused;
  const window = resolveWindow(parsed.data, nowMs);
  const past = store.metricHistory === null ? null : await historyLatency(store.metricHistory, metrics, k, task ?? null, window, nowMs);
  if (past !== null) {
    const points: LatencyPointJson[] = [];
    for (let b = past.first; b <= past.last; b++) {
      points.push({ t: b * past.step, ...(past.buckets.get(b * past.step) ?? EMPTY_SUMMARY) });
    }
    const body: LatencyResponse = { kind: k, task: task ?? null, from: window.from, to: window.to, ...summarize(past.sketch), ...(series && { series: points }) };
    return { status: 200, body };
  }
  const body: LatencyResponse = {
    kind: k,
    task: task ?? null,
    from: window.from,
    to: window.to,
    ...metrics.latency(k, task ?? null, window),
    ...(series && { series: metrics.latencySeries(k, task ?? null, window).map((p) => ({ t: p.t, ...p.latency })) }),
  };
  return { status: 200, body };
}

export async function getLatencyByTask(metrics: Metrics, store: TaskStore, query: URLSearchParams, nowMs: number): Promise<ApiResponse> {
  const parsed = latencyByTaskQuery.safeParse(queryObject(query));
  if (!parsed.success) return badRequest(parsed.error);
  const { sort, limit } = parsed.data;
  const refused = rangeNeedsHistory(parsed.data, store);
  if (refused !== null) return refused;
  const kinds: readonly LatencyKind[] = parsed.data.kind === undefined ? LATENCY_KINDS : [parsed.data.kind];
  const window = resolveWindow(parsed.data, nowMs);
  const rows = new Map<string, { task: string } & Partial<Record<LatencyKind, LatencySummary>>>();
  for (const k of kinds) {
    const past = store.metricHistory === null ? null : await historyLatencyByTask(store.metricHistory, metrics, k, window, nowMs);
    const summaries = past === null ? metrics.latencyByTask(k, window) : new Map([...past].map(([task, sketch]) => [task, summarize(sketch)]));
    for (const [task, summary] of summaries) {
      let row = rows.get(task);
      if (row === undefined) rows.set(task, (row = { task }));
      row[k] = summary;
    }
  }
  const first = kinds[0] as LatencyKind;
  const tasks: LatencyByTaskRow[] = [...rows.values()].sort((a, b) => {
    if (sort === 'name') return a.task < b.task ? -1 : a.task > b.task ? 1 : 0;
    // Largest first; rows without the sorted kind last.
    const x = a[first]?.[sort] ?? -Infinity;
    const y = b[first]?.[sort] ?? -Infinity;
    return y - x || (a.task < b.task ? -1 : 1);
  });
  const body: LatencyByTaskResponse = { ranges: store.metricHistory === null ? MEMORY_METRIC_RANGES : METRIC_RANGES, from: window.from, to: window.to, kinds, tasks: limit === undefined ? tasks : tasks.slice(0, limit) };
  return { status: 200, body };
}

export function getWorkerSeries(metrics: Metrics, state: TaskStore, worker: string, query: URLSearchParams, nowMs: number): ApiResponse {
  const parsed = workerSeriesQuery.safeParse(queryObject(query));
  if (!parsed.success) return badRequest(parsed.error);
  if (state.worker(worker) === undefined && !metrics.keys('worker').includes(worker)) return apiError(404, `Unknown worker '${worker}'`);
  const window = resolveWindow(parsed.data, nowMs);
  const body: WorkerSeriesResponse = { worker, from: window.from, to: window.to, step: 60_000, points: metrics.workerSeries(worker, window) };
  return { status: 200, body };
}
