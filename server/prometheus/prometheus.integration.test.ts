/**
 * GET /metrics and /api/v1/metrics on a running Pollen fed by a real Python Celery 5.2 worker (events on)
 * over a real Redis: Flower's series for the tasks it ran, the overview's counts, and pool size and memory
 * taken from `inspect stats` into the worker's series.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Child } from '@/test/harness/child';
import { startCeleryWorker } from '@/test/harness/celery-worker';
import { startPollen, type TestPollen } from '@/test/harness/pollen-server';
import { type RedisServer, startRedis } from '@/test/harness/redis-server';
import { until } from '@/test/harness/until';
import type { OverviewResponse, WorkerSeriesResponse } from '@/lib/api/metrics';
import { parseExposition, type ParsedFamily, sampleValue } from './exposition-test-parser';

describe('Prometheus /metrics and the v1 metrics API with a real Python worker on Redis', () => {
  const worker = `prometheus-${process.pid}@pollen`;
  let redis: RedisServer;
  let celery: Child;
  let pollen: TestPollen;

  beforeAll(async () => {
    redis = await startRedis();
    // The worker first: Pollen's inspect at start then already gets its stats.
    celery = await startCeleryWorker({ broker: redis.url(0), backend: redis.url(1), events: true, nodename: worker, pool: 'prefork', concurrency: 2 });
    pollen = await startPollen({ broker: redis.url(0) });
    await until('the worker to be seen', async () => ((await pollen.request('/api/workers?status=true')).body as Record<string, boolean>)[worker] === true);
    for (const args of [[1, 2], [3, 4], [5, 6]]) {
      expect((await pollen.request('/api/task/send-task/tasks.add', { method: 'POST', json: { args } })).status).toBe(200);
    }
    expect((await pollen.request('/api/task/send-task/tasks.fail', { method: 'POST', json: { args: ['kaput'] } })).status).toBe(200);
  }, 90_000);

  afterAll(async () => {
    await pollen?.close();
    await celery?.stop();
    await redis?.stop();
  });

  async function scrape(): Promise<Map<string, ParsedFamily>> {
    const response = await pollen.request('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    return parseExposition(response.text);
  }

  it("shows Flower's series for the tasks the worker ran", async () => {
    const families = await until('3 task-succeeded and 1 task-failed in /metrics', async () => {
      const m = await scrape();
      const ok = sampleValue(m, 'flower_events_total', { worker, type: 'task-succeeded', task: 'tasks.add' }) === 3 &&
        sampleValue(m, 'flower_events_total', { worker, type: 'task-failed', task: 'tasks.fail' }) === 1;
      return ok ? m : null;
    });
    expect(sampleValue(families, 'flower_events_total', { worker, type: 'task-received', task: 'tasks.add' })).toBe(3);
    expect(sampleValue(families, 'flower_events_total', { worker, type: 'task-started', task: 'tasks.add' })).toBe(3);
    expect(sampleValue(families, 'flower_worker_online', { worker })).toBe(1);
    expect(sampleValue(families, 'flower_task_runtime_seconds', { worker, task: 'tasks.add' }, 'flower_task_runtime_seconds_count')).toBe(3);
    expect(sampleValue(families, 'flower_task_runtime_seconds', { worker, task: 'tasks.add', le: '+Inf' }, 'flower_task_runtime_seconds_bucket')).toBe(3);
    expect(sampleValue(families, 'flower_task_prefetch_time_seconds', { worker, task: 'tasks.add' })).toBe(0);
    expect(sampleValue(families, 'flower_worker_prefetched_tasks', { worker, task: 'tasks.add' })).toBe(0);
    expect(sampleValue(families, 'flower_worker_number_of_currently_executing_tasks', { worker })).toBeGreaterThanOrEqual(0);
    expect(sampleValue(families, 'pollen_tasks_total', { name: 'tasks.add', state: 'succeeded' })).toBe(3);
    expect(sampleValue(families, 'pollen_events_ingested_total', {})).toBeGreaterThan(8);
    expect(sampleValue(families, 'pollen_workers', { status: 'online' })).toBe(1);
  });

  it('answers the overview with the succeeded and failed counts', async () => {
    const overview = await until('the overview to count the tasks', async () => {
      const body = (await pollen.request('/api/v1/metrics/overview?range=15m')).body as OverviewResponse;
      return body.totals.succeeded === 3 && body.totals.failed === 1 ? body : null;
    });
    expect(overview).toMatchObject({ resolution: 'second', workers: { online: 1, offline: 0 } });
    expect(overview.series.reduce((n, p) => n + p.succeeded, 0)).toBe(3);
    expect(overview.latency.runtime.count).toBe(3);
    // With history (the default) the week is answered from its hourly rollups; a range Pollen has not is refused.
    expect((await pollen.request('/api/v1/metrics/overview?range=7d')).status).toBe(200);
    expect((await pollen.request('/api/v1/metrics/overview?range=1y')).status).toBe(400);
  });

  it("records the worker's pool size and memory from inspect stats", async () => {
    const point = await until('pool size in the worker series', async () => {
      const response = await pollen.request(`/api/v1/metrics/workers/${encodeURIComponent(worker)}?range=15m`);
      expect(response.status).toBe(200);
      return (response.body as WorkerSeriesResponse).points.find((p) => p.poolSize !== null);
    }, 30_000);
    expect(point.poolSize).toBe(2);
    expect(point.rssBytes).toBeGreaterThan(1024 * 1024);
    expect((await pollen.request('/api/v1/metrics/workers/celery@nobody')).status).toBe(404);
  }, 40_000);
});
