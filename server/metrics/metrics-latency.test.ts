import { describe, expect, it } from 'vitest';
import { MemoryTaskStore } from '../store/memory-task-store';
import { Metrics } from './metrics';
import { decoded, T0, taskEvent } from './metrics-test-events';
import { exactQuantile, logNormal, seeded } from './test-random';

const MIN = 60_000;
const HOUR = 60 * MIN;

function expectWithin(estimate: number | null, exact: number): void {
  expect(estimate).not.toBeNull();
  expect(Math.abs((estimate as number) - exact)).toBeLessThanOrEqual(0.01 * exact + 1e-12);
}

function expectMatches(summary: ReturnType<Metrics['latency']>, values: number[]): void {
  const sorted = [...values].sort((a, b) => a - b);
  expect(summary.count).toBe(values.length);
  expectWithin(summary.p50, exactQuantile(sorted, 0.5));
  expectWithin(summary.p90, exactQuantile(sorted, 0.9));
  expectWithin(summary.p99, exactQuantile(sorted, 0.99));
  expect(summary.max).toBe(sorted[sorted.length - 1]);
}

/** One hour of task-succeeded events, 3 task names with different runtimes, 50 per minute each. */
function hourOfRuntimes() {
  const c = { now: T0 + HOUR - 1 };
  const metrics = new Metrics({ clock: () => c.now });
  const random = seeded(5);
  const observed: { name: string; at: number; runtime: number }[] = [];
  const names = { 'app.fast': Math.log(0.01), 'app.mid': Math.log(0.3), 'app.slow': Math.log(20) };
  for (let minute = 0; minute < 60; minute++) {
    for (let i = 0; i < 150; i++) {
      const [name, mu] = Object.entries(names)[i % 3] as [string, number];
      const at = T0 + minute * MIN + Math.floor((i / 150) * MIN);
      const runtime = logNormal(random, mu, 0.8);
      observed.push({ name, at, runtime });
      metrics.onTaskEvent(taskEvent('task-succeeded', `t${minute}-${i}`, { runtime }), at, { name, queue: null, sent: null, received: null, eta: null });
    }
  }
  return { metrics, observed, c };
}

describe('Metrics latency', () => {
  it('answers p50/p90/p99/max per task name and overall within 1 %, over the hour and over any sub-window', () => {
    const { metrics, observed } = hourOfRuntimes();
    const hour = { from: T0, to: T0 + HOUR - 1 };
    for (const name of ['app.fast', 'app.mid', 'app.slow']) {
      expectMatches(metrics.latency('runtime', name, hour), observed.filter((o) => o.name === name).map((o) => o.runtime));
    }
    expectMatches(metrics.latency('runtime', null, hour), observed.map((o) => o.runtime));
    // Minutes 10 … 19 only: merged from ten per-minute sketches.
    const part = { from: T0 + 10 * MIN, to: T0 + 20 * MIN - 1 };
    expectMatches(metrics.latency('runtime', 'app.mid', part), observed.filter((o) => o.name === 'app.mid' && o.at >= part.from && o.at <= part.to).map((o) => o.runtime));
    expect(metrics.latency('runtime', 'app.unknown', hour).count).toBe(0);
    expect(metrics.latency('wait', 'app.mid', hour).p99).toBeNull();
  });

  it('answers for the live minute, overall as the exact merge of every task name', () => {
    const { metrics, observed, c } = hourOfRuntimes();
    const lastMinute = { from: c.now, to: c.now };
    const values = observed.filter((o) => o.at >= T0 + HOUR - MIN).map((o) => o.runtime);
    expectMatches(metrics.latency('runtime', null, lastMinute), values);
    expectMatches(metrics.latency('runtime', 'app.slow', lastMinute), observed.filter((o) => o.name === 'app.slow' && o.at >= T0 + HOUR - MIN).map((o) => o.runtime));
    // Without a task name an observation still counts overall.
    metrics.onTaskEvent(taskEvent('task-succeeded', 'z', { runtime: 1e6 }), c.now);
    expect(metrics.latency('runtime', null, lastMinute)).toMatchObject({ count: values.length + 1, max: 1e6 });
    c.now += MIN;
    metrics.onTaskEvent(taskEvent('task-started', 'z'), c.now); // closes the minute
    expect(metrics.latency('runtime', null, lastMinute)).toMatchObject({ count: values.length + 1, max: 1e6 });
    expect(metrics.latencyByTask('runtime', lastMinute).get('app.slow')?.count).toBe(50);
  });

  it('gives one summary per minute, and every task name at once', () => {
    const { metrics, observed } = hourOfRuntimes();
    const points = metrics.latencySeries('runtime', 'app.slow', { from: T0 + 5 * MIN, to: T0 + 7 * MIN, resolution: 'minute' });
    expect(points.map((p) => p.t)).toEqual([T0 + 5 * MIN, T0 + 6 * MIN, T0 + 7 * MIN]);
    expectMatches(points[1]?.latency as never, observed.filter((o) => o.name === 'app.slow' && Math.floor((o.at - T0) / MIN) === 6).map((o) => o.runtime));
    const byTask = metrics.latencyByTask('runtime', { from: T0, to: T0 + HOUR });
    expect([...byTask.keys()].sort()).toEqual(['app.fast', 'app.mid', 'app.slow']);
    expectMatches(byTask.get('app.fast') as never, observed.filter((o) => o.name === 'app.fast').map((o) => o.runtime));
  });

  it('takes wait and end-to-end times from the task record: sent (else received) → started / finished, no ETA tasks', () => {
    const metrics = new Metrics({ clock: () => T0 + MIN });
    const state = new MemoryTaskStore({ maxTasks: 100, purgeOfflineAfter: 3600 });
    const t = T0 / 1000;
    const feed = (uuid: string, type: string, at: number, fields: Record<string, unknown> = {}): void => {
      const event = decoded({ type, uuid, hostname: type === 'task-sent' ? 'gen@web' : 'celery@w1', timestamp: at, name: 'app.job', ...fields });
      metrics.onEvent(event, T0, state.apply(event, T0 / 1000).task);
    };
    feed('a', 'task-sent', t);
    feed('a', 'task-received', t + 0.5);
    feed('a', 'task-started', t + 2);
    feed('a', 'task-succeeded', t + 3, { runtime: 1 });
    feed('b', 'task-received', t + 10); // no task-sent: received → started
    feed('b', 'task-started', t + 10.25);
    feed('b', 'task-failed', t + 11);
    feed('c', 'task-received', t, { eta: '2026-11-21T12:05:00+00:00' });
    feed('c', 'task-started', t + 300);
    feed('c', 'task-succeeded', t + 301, { runtime: 1 });
    feed('d', 'task-sent', t + 5); // producer clock ahead of the worker's
    feed('d', 'task-started', t + 4);
    const window = { from: T0, to: T0 + MIN };
    const wait = metrics.latency('wait', 'app.job', window);
    expect(wait).toMatchObject({ count: 3, min: 0, max: 2 });
    expect(metrics.latency('wait', null, window).count).toBe(3);
    expect(metrics.latency('endToEnd', 'app.job', window)).toMatchObject({ count: 2, min: 1, max: 3 });
    expect(metrics.latency('runtime', 'app.job', window)).toMatchObject({ count: 2, max: 1 });
  });

  it('stays within its latency budget under many task names, shortening history instead', () => {
    const budget = 256 * 1024;
    const metrics = new Metrics({ clock: () => T0 + 4 * HOUR, latencyBudgetBytes: budget });
    const random = seeded(9);
    for (let minute = 0; minute < 4 * 60; minute++) {
      for (let n = 0; n < 100; n++) {
        const at = T0 + minute * MIN + n;
        metrics.onTaskEvent(taskEvent('task-succeeded', 'x', { runtime: logNormal(random, -3, 2) }), at, { name: `t${n}`, queue: null, sent: null, received: null, eta: null });
      }
    }
    const stats = metrics.stats();
    expect(stats.sketchesEvicted).toBeGreaterThan(0);
    expect(stats.latencySince).toBeGreaterThan(T0);
    expect(stats.bytes.sketches).toBeLessThanOrEqual(budget + 4 * 1024 * 1024 + 400 * 1200);
    const recent = metrics.latency('runtime', 't7', { from: T0 + 4 * HOUR - 10 * MIN, to: T0 + 4 * HOUR });
    expect(recent.count).toBe(10);
    expect(metrics.errors).toBe(0);
  });
});
