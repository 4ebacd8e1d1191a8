/**
 * GET /api/v1/metrics/overview: what an overview page shows, in one call: task events by state over the
 * window, succeeded and failed per bucket, workers online and offline, every task's latency together,
 * the model's size and the ingest rate.
 */
import { LATENCY_KINDS, type LatencyKind, type LatencySummary, type Metrics } from '../../metrics';
import type { IngestSnapshot } from '../../collector/ingest-health';
import type { TaskStore } from '../../store/task-store';
import { type ApiResponse, badRequest, queryObject } from '../api-error';
import { windowEcho } from './metrics-read';
import type { OverviewResponse } from '@/lib/api/metrics';
import { resolveWindow, windowQuery } from './metrics-window';

export { windowQuery as overviewQuery };

export function getOverview(metrics: Metrics, state: TaskStore, ingest: IngestSnapshot | null, query: URLSearchParams, nowMs: number): ApiResponse {
  const parsed = windowQuery.safeParse(queryObject(query));
  if (!parsed.success) return badRequest(parsed.error);
  const window = resolveWindow(parsed.data, nowMs);
  const echo = windowEcho(window, nowMs);
  const fixed = { ...window, resolution: echo.resolution };
  let online = 0;
  for (const worker of state.workers()) if (worker.alive(nowMs / 1000)) online++;
  const latency = {} as Record<LatencyKind, LatencySummary>;
  for (const kind of LATENCY_KINDS) latency[kind] = metrics.latency(kind, null, window);
  const body: OverviewResponse = {
    ...echo,
    totals: metrics.totals('all', '', fixed),
    series: metrics.series('all', '', fixed).map((p) => ({ t: p.t, succeeded: p.counts.succeeded, failed: p.counts.failed })),
    workers: { online, offline: state.workerCount - online },
    latency,
    tasksInMemory: state.taskCount,
    ingest: ingest === null ? null : { eventsPerSecond: ingest.eventsPerSecond, eventsTotal: ingest.eventsTotal },
  };
  return { status: 200, body };
}
