/**
 * GET /api/v1/metrics/workers/:name/periods: when a worker was online, from history (server/history
 * worker_periods), over a window (range or from/to, as the other metrics endpoints take). Without
 * history there are no periods to give: a 400 says so rather than an empty list.
 */
import type { WorkerPeriodsResponse } from '@/lib/api/metrics';
import type { TaskStore } from '../../store/task-store';
import { apiError, type ApiResponse, badRequest, queryObject } from '../api-error';
import { workerSeriesQuery } from './metrics-read';
import { resolveWindow } from './metrics-window';

export async function getWorkerPeriods(store: TaskStore, worker: string, query: URLSearchParams, nowMs: number): Promise<ApiResponse> {
  const parsed = workerSeriesQuery.safeParse(queryObject(query));
  if (!parsed.success) return badRequest(parsed.error);
  const history = store.metricHistory;
  if (history === null) return apiError(400, 'worker online periods need history, and this Pollen keeps none (--db memory)', 'history_required');
  const window = resolveWindow(parsed.data, nowMs);
  const periods = await history.workerPeriods(worker, window.from / 1000, window.to / 1000);
  if (periods.length === 0 && store.worker(worker) === undefined) return apiError(404, `Unknown worker '${worker}'`);
  const body: WorkerPeriodsResponse = { worker, from: window.from, to: window.to, periods: periods.map((p) => ({ from: p.from * 1000, to: p.to === null ? null : p.to * 1000 })) };
  return { status: 200, body };
}
