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
import { MEMORY_METRIC_RANGES, METRIC_RANGES, type OverviewResponse } from '@/lib/api/metrics';
import { rangeNeedsHistory, resolveWindow, windowQuery } from './metrics-window';
import { historyLatency, historyThroughput } from '../../rollups/history-window';
import { summarize } from '../../metrics/sketch-ops';

export { windowQuery as overviewQuery };

export async function getOverview(metrics: Metrics, state: TaskStore, ingest: IngestSnapshot | null, query: URLSearchParams, nowMs: number): Promise<ApiResponse> {
  const parsed = windowQuery.safeParse(queryObject(query));
  if (!parsed.success) return badRequest(parsed.error);
  const refused = rangeNeedsHistory(parsed.data, state);
  if (refused !== null) return refused;
  const window = resolveWindow(parsed.data, nowMs);
  const echo = windowEcho(window, nowMs);
  const fixed = { ...window, resolution: echo.resolution };
  const history = state.metricHistory;
  // The past before this start, or past 24 h, from history's rollups (server/rollups); the rest from memory.
  const past = history === null ? null : await historyThroughput(history, metrics, '', window, nowMs);
  let online = 0;
  for (const worker of state.workers()) if (worker.alive(nowMs / 1000)) online++;
  const latency = {} as Record<LatencyKind, LatencySummary>;
  for (const kind of LATENCY_KINDS) {
    const sketch = history === null ? null : await historyLatency(history, metrics, kind, null, window, nowMs);
    latency[kind] = sketch === null ? metrics.latency(kind, null, window) : summarize(sketch.sketch);
  }
  const points = past?.points ?? metrics.series('all', '', fixed);
  const body: OverviewResponse = {
    ...echo,
    ...(past !== null && { resolution: past.resolution, step: past.step }),
    ranges: history === null ? MEMORY_METRIC_RANGES : METRIC_RANGES,
    totals: past?.totals ?? metrics.totals('all', '', fixed),
    series: points.map((p) => ({ t: p.t, succeeded: p.counts.succeeded, failed: p.counts.failed })),
    workers: { online, offline: state.workerCount - online },
    latency,
    tasksInMemory: state.taskCount,
    ingest: ingest === null ? null : { eventsPerSecond: ingest.eventsPerSecond, eventsTotal: ingest.eventsTotal },
  };
  return { status: 200, body };
}
