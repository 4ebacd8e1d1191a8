import { describe, expect, it } from 'vitest';
import type { CeleryEvent } from '@/lib/celery';
import { Metrics } from '../../metrics';
import { decoded, heartbeat, T0 } from '../../metrics/metrics-test-events';
import { MemoryTaskStore } from '../../store/memory-task-store';
import { getOverview } from './metrics-overview';
import { getLatency, getLatencyByTask, getThroughput, getWorkerSeries } from './metrics-read';
import type { LatencyByTaskResponse, LatencyResponse, OverviewResponse, ThroughputResponse, WorkerSeriesResponse } from '@/lib/api/metrics';

/** Ten minutes after T0: every event below lies in the last 15 minutes. */
const NOW = T0 + 10 * 60_000;

/**
 * A model and metrics fed with tasks.add (runtimes 0.1 … 0.9 s, one failure) and tasks.slow, on two workers;
 * celery@a heartbeats at NOW, celery@b was last heard from more than 5 minutes before it (offline).
 */
function fixture() {
  const state = new MemoryTaskStore({ maxTasks: 1000, purgeOfflineAfter: 3600 });
  const metrics = new Metrics({ clock: () => NOW });
  const apply = (event: CeleryEvent, atMs: number) => metrics.onEvent(event, atMs, state.apply(event, atMs / 1000).task);
  for (let i = 0; i < 10; i++) {
    const t = T0 / 1000 + i * 30;
    const uuid = `u${i}`;
    const worker = i % 2 === 0 ? 'celery@a' : 'celery@b';
    apply(decoded({ type: 'task-received', uuid, hostname: worker, timestamp: t, name: 'tasks.add' }), t * 1000);
    apply(decoded({ type: 'task-started', uuid, hostname: worker, timestamp: t + 0.5 }), t * 1000 + 500);
    const done = i === 9
      ? decoded({ type: 'task-failed', uuid, hostname: worker, timestamp: t + 1, exception: 'E()', traceback: 'T' })
      : decoded({ type: 'task-succeeded', uuid, hostname: worker, timestamp: t + 1, result: '1', runtime: (i + 1) / 10 });
    apply(done, t * 1000 + 1000);
  }
  const t = T0 / 1000 + 60;
  apply(decoded({ type: 'task-received', uuid: 's', hostname: 'celery@a', timestamp: t, name: 'tasks.slow' }), t * 1000);
  apply(decoded({ type: 'task-started', uuid: 's', hostname: 'celery@a', timestamp: t }), t * 1000);
  apply(decoded({ type: 'task-succeeded', uuid: 's', hostname: 'celery@a', timestamp: t + 20, result: '1', runtime: 20 }), t * 1000 + 20_000);
  apply(heartbeat('celery@a', { active: 2, processed: 11, loadavg: [0.5, 0.4, 0.3], timestamp: NOW / 1000 - 1 }), NOW - 1000);
  metrics.recordWorkerStats('celery@a', { poolSize: 4, rssBytes: 50 * 1024 * 1024 }, NOW - 1000);
  return { state, metrics };
}

const q = (params: Record<string, string>) => new URLSearchParams(params);

describe('GET /api/v1/metrics/throughput', () => {
  it('gives per-second points and totals by state for the last 15 minutes by default', async () => {
    const { metrics, state } = fixture();
    const response = (await getThroughput(metrics, state, q({}), NOW));
    const body = response.body as ThroughputResponse;
    expect(response.status).toBe(200);
    expect(body).toMatchObject({ dimension: 'all', key: null, resolution: 'second', step: 1000, from: NOW - 15 * 60_000, to: NOW });
    expect(body.totals).toMatchObject({ received: 11, started: 11, succeeded: 10, failed: 1 });
    expect(body.points.find((p) => p.t === T0 + 1000)).toMatchObject({ succeeded: 1, failed: 0 });
    expect(body.points.reduce((n, p) => n + p.succeeded, 0)).toBe(10);
  });

  it('gives one series per task name, worker or queue, per minute when asked', async () => {
    const { metrics, state } = fixture();
    const body = (await getThroughput(metrics, state, q({ dimension: 'worker', key: 'celery@b', range: '1h', resolution: 'minute' }), NOW)).body as ThroughputResponse;
    expect(body).toMatchObject({ key: 'celery@b', resolution: 'minute', step: 60_000 });
    expect(body.totals).toMatchObject({ succeeded: 4, failed: 1 });
    expect(body.points.find((p) => p.t === T0)).toMatchObject({ received: 1, succeeded: 1 });
  });

  it.each([
    [{ dimension: 'task' }, 'key: required when dimension is task'],
    [{ dimension: 'host', key: 'x' }, 'dimension: expected one of all, task, worker, queue'],
    [{ from: 'soon' }, 'from: expected epoch milliseconds or an ISO 8601 time'],
    [{ range: '1h', to: '5' }, 'range: give either range or from/to, not both'],
    [{ resolution: 'hour' }, 'resolution: expected second or minute'],
  ])('answers %j with 400 naming the field', async (params, error) => {
    const { metrics, state } = fixture();
    expect((await getThroughput(metrics, state, q(params), NOW))).toEqual({ status: 400, body: { error } });
  });
});

describe('GET /api/v1/metrics/latency', () => {
  it("summarizes one task name's runtimes, with per-minute points on request", async () => {
    const { metrics, state } = fixture();
    const body = (await getLatency(metrics, state, q({ kind: 'runtime', task: 'tasks.add', series: 'true' }), NOW)).body as LatencyResponse;
    expect(body).toMatchObject({ kind: 'runtime', task: 'tasks.add', count: 9, min: 0.1, max: 0.9 });
    expect(body.p50).toBeCloseTo(0.5, 1);
    expect(body.series?.find((p) => p.t === T0)).toMatchObject({ count: 2 });
    expect(body.series?.every((p) => p.t % 60_000 === 0)).toBe(true);
  });

  it('summarizes every task together without a task, and wait time from received to started', async () => {
    const { metrics, state } = fixture();
    expect((await getLatency(metrics, state, q({}), NOW)).body).toMatchObject({ kind: 'runtime', task: null, count: 10, max: 20 });
    expect((await getLatency(metrics, state, q({ kind: 'wait', task: 'tasks.add' }), NOW)).body).toMatchObject({ count: 10, min: 0.5, max: 0.5 });
    expect(((await getLatency(metrics, state, q({}), NOW)).body as LatencyResponse).series).toBeUndefined();
  });

  it('reads an unknown task as no observations', async () => {
    const { metrics, state } = fixture();
    expect((await getLatency(metrics, state, q({ task: 'tasks.nope' }), NOW)).body).toMatchObject({ count: 0, p99: null });
  });

  it.each([
    [{ kind: 'queue' }, 'kind'],
    [{ series: 'maybe' }, 'series'],
    [{ task: '' }, 'task'],
  ])('answers %j with 400 naming %s', async (params, field) => {
    const { metrics, state } = fixture();
    const response = (await getLatency(metrics, state, q(params), NOW));
    expect(response.status).toBe(400);
    expect((response.body as { error: string }).error.startsWith(`${field}:`)).toBe(true);
  });
});

describe('GET /api/v1/metrics/latency/by-task', () => {
  it("gives every task's three distributions, sorted by name", async () => {
    const { metrics, state } = fixture();
    const body = (await getLatencyByTask(metrics, state, q({}), NOW)).body as LatencyByTaskResponse;
    expect(body.kinds).toEqual(['runtime', 'wait', 'endToEnd']);
    expect(body.tasks.map((r) => r.task)).toEqual(['tasks.add', 'tasks.slow']);
    expect(body.tasks[0]?.runtime).toMatchObject({ count: 9, max: 0.9 });
    expect(body.tasks[0]?.wait).toMatchObject({ count: 10 });
    expect(body.tasks[1]?.runtime).toMatchObject({ count: 1, max: 20 });
  });

  it('sorts largest first by a percentile of the one kind asked for, and limits', async () => {
    const { metrics, state } = fixture();
    const body = (await getLatencyByTask(metrics, state, q({ kind: 'runtime', sort: 'p99', limit: '1' }), NOW)).body as LatencyByTaskResponse;
    expect(body.tasks).toEqual([{ task: 'tasks.slow', runtime: expect.objectContaining({ p99: 20 }) }]);
  });

  it.each([[{ limit: '0' }, 'limit'], [{ limit: 'ten' }, 'limit'], [{ sort: 'p75' }, 'sort'], [{ kind: 'all' }, 'kind']])('answers %j with 400 naming %s', async (params, field) => {
    const { metrics, state } = fixture();
    const response = (await getLatencyByTask(metrics, state, q(params), NOW));
    expect(response.status).toBe(400);
    expect((response.body as { error: string }).error.startsWith(`${field}:`)).toBe(true);
  });
});

describe('GET /api/v1/metrics/workers/:name', () => {
  it("gives the worker's gauges per minute: heartbeat fields and inspect stats", async () => {
    const { metrics, state } = fixture();
    const body = getWorkerSeries(metrics, state, 'celery@a', q({}), NOW).body as WorkerSeriesResponse;
    expect(body).toMatchObject({ worker: 'celery@a', step: 60_000 });
    expect(body.points.at(-2)).toMatchObject({ active: 2, processed: 11, loadavg: 0.5, poolSize: 4, rssBytes: 50 * 1024 * 1024 });
    expect(body.points[0]).toMatchObject({ active: null, poolSize: null });
  });

  it('answers 404 for a worker nobody has seen, and 400 for a bad window', async () => {
    const { metrics, state } = fixture();
    expect(getWorkerSeries(metrics, state, 'celery@nope', q({}), NOW)).toEqual({ status: 404, body: { error: "Unknown worker 'celery@nope'" } });
    expect(getWorkerSeries(metrics, state, 'celery@a', q({ range: 'week' }), NOW).status).toBe(400);
  });
});

describe('GET /api/v1/metrics/overview', () => {
  it('gives totals by state, succeeded/failed per bucket, workers and overall latency in one answer', async () => {
    const { metrics, state } = fixture();
    const body = (await getOverview(metrics, state, null, q({ range: '1h' }), NOW)).body as OverviewResponse;
    expect(body).toMatchObject({ resolution: 'minute', step: 60_000, tasksInMemory: 11, ingest: null, workers: { online: 1, offline: 1 } });
    expect(body.totals).toMatchObject({ succeeded: 10, failed: 1, received: 11 });
    expect(body.series.find((p) => p.t === T0 + 4 * 60_000)).toEqual({ t: T0 + 4 * 60_000, succeeded: 1, failed: 1 });
    expect(body.latency.runtime).toMatchObject({ count: 10, max: 20 });
  });

  it('answers 400 naming a bad window field', async () => {
    const { metrics, state } = fixture();
    expect((await getOverview(metrics, state, null, q({ to: 'later' }), NOW))).toEqual({ status: 400, body: { error: 'to: expected epoch milliseconds or an ISO 8601 time' } });
  });
});
