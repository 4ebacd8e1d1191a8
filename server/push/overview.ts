/**
 * The `overview` topic's value: tasks in memory by state, workers online and offline, and throughput
 * from the metrics. Counting states walks the model, so the flush does it in the pass it makes anyway.
 */
import type { Overview, ThroughputCounts } from '@/lib/push/contract';
import type { Metrics } from '../metrics';
import type { TaskStore } from '../store/task-store';

function workerCounts(state: TaskStore, nowMs: number): Overview['workers'] {
  const now = nowMs / 1000;
  let online = 0;
  for (const worker of state.workers()) if (worker.alive(now)) online++;
  return { online, offline: state.workerCount - online };
}

function throughput(metrics: Metrics, nowMs: number): Overview['throughput'] {
  const last10s: ThroughputCounts = metrics.totals('all', '', { from: nowMs - 9_999, to: nowMs, resolution: 'second' });
  const last60s: ThroughputCounts = metrics.totals('all', '', { from: nowMs - 59_999, to: nowMs, resolution: 'second' });
  return { last10s, last60s };
}

export function buildOverview(state: TaskStore, metrics: Metrics, byState: ReadonlyMap<string, number>, nowMs: number): Overview {
  return {
    tasks: { total: state.taskCount, byState: Object.fromEntries(byState) },
    workers: workerCounts(state, nowMs),
    throughput: throughput(metrics, nowMs),
  };
}

/** The parts of the overview that move with time alone (workers expire, throughput windows slide). */
export function overviewClock(state: TaskStore, metrics: Metrics, nowMs: number): string {
  return JSON.stringify([workerCounts(state, nowMs), throughput(metrics, nowMs)]);
}
