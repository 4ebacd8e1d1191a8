'use client';
/**
 * The task types page's data: every task name known from events, latency metrics and the workers'
 * `registered` replies, each with its latency percentiles and the limits its workers report.
 */
import { queryOptions, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useMemo } from 'react';
import { type LatencyByTaskResponse, type LatencyByTaskRow, MEMORY_METRIC_RANGES, type MetricRange, type ThroughputResponse } from '@/lib/api/metrics';
import { fetchJson } from '../api/api-client';
import type { WorkersResponse } from '@/lib/api/workers';
import { limitsByTask, type WorkerTaskLimits } from './registered-limits';

/** 7d and 30d are offered when the server says it answers them (it keeps history). */
export type TaskTypeRange = MetricRange;

export const LIVE_INTERVAL_MS = 5000;
const WORKERS_KEY = ['workers', 'inspect'] as const;

export interface TaskTypeRow {
  readonly name: string;
  readonly latency: LatencyByTaskRow | null;
  /** The workers that registered it, with the limits each reports. */
  readonly workers: readonly WorkerTaskLimits[];
}

export function useTaskTypes(range: TaskTypeRange) {
  const types = useQuery({
    queryKey: ['task-types'],
    queryFn: ({ signal }) => fetchJson<{ 'task-types': string[] }>('/api/task/types', {}, signal),
    refetchInterval: LIVE_INTERVAL_MS,
  });
  const latency = useQuery({
    queryKey: ['latency-by-task', range],
    queryFn: ({ signal }) => fetchJson<LatencyByTaskResponse>('/api/v1/metrics/latency/by-task', { range }, signal),
    refetchInterval: LIVE_INTERVAL_MS,
  });
  const workers = useQuery({
    queryKey: WORKERS_KEY,
    queryFn: ({ signal }) => fetchJson<WorkersResponse>('/api/workers', {}, signal),
    refetchInterval: LIVE_INTERVAL_MS,
  });

  const rows = useMemo<TaskTypeRow[]>(() => {
    const limits = limitsByTask(workers.data);
    const byTask = new Map((latency.data?.tasks ?? []).map((row) => [row.task, row]));
    const names = new Set<string>([...(types.data?.['task-types'] ?? []), ...byTask.keys(), ...limits.keys()]);
    return [...names].sort().map((name) => ({ name, latency: byTask.get(name) ?? null, workers: limits.get(name) ?? [] }));
  }, [types.data, latency.data, workers.data]);

  const error = types.error ?? latency.error ?? workers.error;
  const loading = types.isPending || latency.isPending || workers.isPending;
  return { rows, error, loading, ranges: latency.data?.ranges ?? MEMORY_METRIC_RANGES };
}

/** Asks the workers again (inspect now) so that a limit just set shows as the workers report it. */
export function useRefreshWorkers(): () => Promise<void> {
  const client = useQueryClient();
  return useCallback(async () => {
    try {
      const fresh = await fetchJson<WorkersResponse>('/api/workers', { refresh: true });
      client.setQueryData(WORKERS_KEY, fresh);
    } catch {
      // The next poll brings it; the control's own result already says what the workers answered.
      await client.invalidateQueries({ queryKey: WORKERS_KEY });
    }
  }, [client]);
}

function taskThroughputQuery(name: string, range: TaskTypeRange, resolution: 'second' | 'minute') {
  return queryOptions({
    queryKey: ['throughput', 'task', name, range, resolution],
    queryFn: ({ signal }) => fetchJson<ThroughputResponse>('/api/v1/metrics/throughput', { dimension: 'task', key: name, range, resolution }, signal),
    // A day of minute points is large; it changes a minute at a time anyway.
    refetchInterval: range === '15m' || range === '1h' ? LIVE_INTERVAL_MS : 30_000,
  });
}

/** One task's counts over the window, in minute buckets: enough for totals and a sparkline. */
export function useTaskThroughput(name: string, range: TaskTypeRange, resolution: 'second' | 'minute' = 'minute') {
  return useQuery(taskThroughputQuery(name, range, resolution));
}

/** The counts of every shown row (the same queries, so one fetch each): a column's unit depends on all of them. */
export function useShownThroughputs(names: readonly string[], range: TaskTypeRange): readonly (ThroughputResponse | undefined)[] {
  return useQueries({ queries: names.map((name) => taskThroughputQuery(name, range, 'minute')), combine: (results) => results.map((r) => r.data) });
}
