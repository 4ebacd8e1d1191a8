import { describe, expect, it } from 'vitest';
import type { CeleryEvent } from '@/lib/celery';
import { IngestHealth } from '../collector/ingest-health';
import { Metrics } from '../metrics';
import { decoded, heartbeat, T0 } from '../metrics/metrics-test-events';
import { MemoryTaskStore } from '../store/memory-task-store';
import { parseExposition, sampleValue } from './exposition-test-parser';
import { PrometheusMetrics } from './prometheus-metrics';
import { scrape } from './scrape';

const NOW = T0 + 60_000;

function fed() {
  const state = new MemoryTaskStore({ maxTasks: 1000, purgeOfflineAfter: 3600 });
  const metrics = new Metrics({ clock: () => NOW });
  const prometheus = new PrometheusMetrics();
  const health = new IngestHealth();
  const apply = (event: CeleryEvent, atMs: number) => {
    health.countMessage(1, atMs);
    const change = state.apply(event, atMs / 1000);
    metrics.onEvent(event, atMs, change.task);
    prometheus.onChange(change, event, atMs);
  };
  for (let i = 0; i < 20; i++) {
    const t = T0 / 1000 + 30 + i;
    apply(decoded({ type: 'task-received', uuid: `u${i}`, hostname: 'celery@a', timestamp: t, name: 'tasks.add' }), t * 1000);
    apply(decoded({ type: 'task-started', uuid: `u${i}`, hostname: 'celery@a', timestamp: t + 0.1 }), t * 1000 + 100);
    apply(decoded({ type: 'task-succeeded', uuid: `u${i}`, hostname: 'celery@a', timestamp: t + 0.1 + (i + 1) / 100, result: '1', runtime: (i + 1) / 100 }), t * 1000 + 300);
  }
  apply(heartbeat('celery@a', { active: 1, timestamp: NOW / 1000 }), NOW);
  apply(heartbeat('celery@gone', { active: 0, timestamp: T0 / 1000 - 600 }), T0 - 600_000);
  return { store: state, metrics, prometheus, ingest: health.snapshot(NOW) };
}

describe('a /metrics scrape', () => {
  it("is strictly valid text with Flower's families first, then Pollen's and the process'", () => {
    const families = parseExposition(scrape(fed(), NOW));
    const names = [...families.keys()];
    expect(names.slice(0, 6)).toEqual([
      'flower_events_total', 'flower_task_runtime_seconds', 'flower_task_prefetch_time_seconds',
      'flower_worker_prefetched_tasks', 'flower_worker_online', 'flower_worker_number_of_currently_executing_tasks',
    ]);
    expect(names).toEqual(expect.arrayContaining(['pollen_tasks_total', 'pollen_task_latency_seconds', 'pollen_events_ingested_total', 'process_resident_memory_bytes', 'process_cpu_seconds_total']));
    expect(names.every((n) => /^(flower|pollen|process|nodejs)_/.test(n))).toBe(true);
  });

  it('reports the model, the ingest and task latency quantiles of the last 5 minutes', () => {
    const families = parseExposition(scrape(fed(), NOW));
    expect(sampleValue(families, 'pollen_workers', { status: 'online' })).toBe(1);
    expect(sampleValue(families, 'pollen_workers', { status: 'offline' })).toBe(1);
    expect(sampleValue(families, 'pollen_tasks_in_memory', {})).toBe(20);
    expect(sampleValue(families, 'pollen_events_ingested_total', {})).toBe(62);
    expect(sampleValue(families, 'pollen_tasks_total', { name: 'tasks.add', state: 'succeeded' })).toBe(20);
    const p99 = sampleValue(families, 'pollen_task_latency_seconds', { task: 'tasks.add', kind: 'runtime', quantile: '0.99' });
    // The sorted value of rank ⌊0.99 × 19⌋ is 0.19, within the sketches' 1 %.
    expect(p99).toBeGreaterThanOrEqual(0.19 * 0.99);
    expect(p99).toBeLessThanOrEqual(0.19 * 1.01);
    expect(sampleValue(families, 'pollen_task_latency_seconds', { task: 'tasks.add', kind: 'wait', quantile: '0.5' })).toBeCloseTo(0.1, 2);
    expect(sampleValue(families, 'pollen_latency_seconds', { kind: 'runtime', quantile: '0.5' })).toBeCloseTo(0.1, 1);
    expect(sampleValue(families, 'pollen_metrics_errors_total', { store: 'prometheus' })).toBe(0);
  });

  it('drops the series of workers the model has forgotten', () => {
    const sources = fed();
    expect(sampleValue(parseExposition(scrape(sources, NOW)), 'flower_worker_online', { worker: 'celery@gone' })).toBe(1);
    sources.store.sweep(NOW / 1000 + 10 * 3600);
    expect(sampleValue(parseExposition(scrape(sources, NOW)), 'flower_worker_online', { worker: 'celery@gone' })).toBeUndefined();
  });

  it("still names Flower's families without a broker", () => {
    const state = new MemoryTaskStore({ maxTasks: 10, purgeOfflineAfter: 3600 });
    const families = parseExposition(scrape({ store: state, metrics: new Metrics(), prometheus: null, ingest: null }, NOW));
    expect(families.get('flower_events_total')).toMatchObject({ type: 'counter', samples: [] });
    expect(families.has('pollen_events_ingested_total')).toBe(false);
    expect(sampleValue(families, 'pollen_tasks_in_memory', {})).toBe(0);
  });
});
