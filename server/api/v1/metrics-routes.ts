/** /api/v1 metrics series and percentiles, as route table entries. */
import type { Route } from '../../http/route-types';
import { getOverview, overviewQuery } from './metrics-overview';
import { getWorkerPeriods } from './worker-periods';
import {
  getLatency,
  getLatencyByTask,
  getThroughput,
  getWorkerSeries,
  latencyByTaskQuery,
  latencyQuery,
  throughputQuery,
  workerSeriesQuery,
} from './metrics-read';

const BAD = { 400: 'a bad parameter, named in the error' };

export const V1_METRICS_ROUTES: readonly Route[] = [
  {
    method: 'GET',
    path: '/api/v1/metrics/overview',
    access: 'read',
    doc: {
      summary: 'Task events by state over a window, succeeded/failed per bucket, workers online/offline, overall latency',
      tags: ['metrics'],
      query: overviewQuery,
      responses: { 200: 'the overview', ...BAD },
    },
    handle: ({ query }, { metrics, store, collector }) => {
      const now = Date.now();
      return getOverview(metrics, store, collector ? collector.health.snapshot(now) : null, query, now);
    },
  },
  {
    method: 'GET',
    path: '/api/v1/metrics/throughput',
    access: 'read',
    doc: {
      summary: 'Task events per bucket by state, overall or for one task name, worker or queue (1 s for 15 min, 1 min for 24 h; with history 1 h for 7d and 30d, and the past before this start)',
      tags: ['metrics'],
      query: throughputQuery,
      responses: { 200: 'points and totals; an unknown key reads as zeros', ...BAD },
    },
    handle: ({ query }, { metrics, store }) => getThroughput(metrics, store, query, Date.now()),
  },
  {
    method: 'GET',
    path: '/api/v1/metrics/latency',
    access: 'read',
    doc: {
      summary: 'Latency distribution (runtime, wait or endToEnd) of one task name or of all tasks over a window: count, min, max, mean, p50, p90, p99; per minute with series=true',
      tags: ['metrics'],
      query: latencyQuery,
      responses: { 200: 'the distribution (count 0 when nothing was observed)', ...BAD },
    },
    handle: ({ query }, { metrics, store }) => getLatency(metrics, store, query, Date.now()),
  },
  {
    method: 'GET',
    path: '/api/v1/metrics/latency/by-task',
    access: 'read',
    doc: {
      summary: "Every task name's latency percentiles over a window, one row per task (the per-task latency table)",
      tags: ['metrics'],
      query: latencyByTaskQuery,
      responses: { 200: 'rows sorted by name, or largest first by count or a percentile of the first kind', ...BAD },
    },
    handle: ({ query }, { metrics, store }) => getLatencyByTask(metrics, store, query, Date.now()),
  },
  {
    method: 'GET',
    path: '/api/v1/metrics/workers/:name',
    access: 'read',
    doc: {
      summary: "A worker's gauges per minute: active, processed, load average (heartbeats), pool size and memory (inspect stats)",
      tags: ['metrics'],
      query: workerSeriesQuery,
      responses: { 200: 'points per minute', 404: 'unknown worker', ...BAD },
    },
    handle: ({ params, query }, { metrics, store }) => getWorkerSeries(metrics, store, params['name'] ?? '', query, Date.now()),
  },
  {
    method: 'GET',
    path: '/api/v1/metrics/workers/:name/periods',
    access: 'read',
    doc: {
      summary: "When a worker was online over a window, from history (kept across restarts)",
      tags: ['metrics'],
      query: workerSeriesQuery,
      responses: { 200: 'periods, oldest first (to: null while online)', 404: 'unknown worker', 400: 'a bad parameter, or no history (--db memory)' },
    },
    handle: ({ params, query }, { store }) => getWorkerPeriods(store, params['name'] ?? '', query, Date.now()),
  },
];
