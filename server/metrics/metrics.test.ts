import { describe, expect, it } from 'vitest';
import { MemoryTaskStore } from '../store/memory-task-store';
import { OTHER_KEY } from './metric-types';
import { Metrics } from './metrics';
import { decoded, heartbeat, T0, taskEvent } from './metrics-test-events';

const MIN = 60_000;
const HOUR = 60 * MIN;

function clockAt(start: number): { now: number; clock: () => number } {
  const c = { now: start, clock: () => c.now };
  return c;
}

describe('Metrics throughput', () => {
  it('counts into 1 s and 1 min buckets, rolling over exactly at their boundaries', () => {
    const c = clockAt(T0 + 61_000);
    const metrics = new Metrics({ clock: c.clock });
    const succeeded = taskEvent('task-succeeded', 'a', { runtime: 0.1 });
    for (const at of [T0, T0 + 999, T0 + 1000, T0 + 59_999, T0 + 60_000]) metrics.onTaskEvent(succeeded, at);
    const seconds = metrics.series('all', '', { from: T0, to: T0 + 60_999, resolution: 'second' });
    expect(seconds).toHaveLength(61);
    expect(seconds.map((p) => p.counts.succeeded).filter((n) => n > 0)).toEqual([2, 1, 1, 1]);
    expect(seconds[0]).toMatchObject({ t: T0, counts: { succeeded: 2, failed: 0 } });
    expect(seconds[1]?.counts.succeeded).toBe(1);
    expect(seconds[59]?.counts.succeeded).toBe(1);
    expect(seconds[60]).toMatchObject({ t: T0 + 60_000, counts: { succeeded: 1 } });
    const minutes = metrics.series('all', '', { from: T0, to: T0 + 61_000, resolution: 'minute' });
    expect(minutes.map((p) => [p.t, p.counts.succeeded])).toEqual([[T0, 4], [T0 + MIN, 1]]);
    expect(metrics.totals('all', '', { from: T0, to: T0 + 61_000 }).succeeded).toBe(5);
  });

  it('keeps minute counts whole whether their seconds have moved out of the 15-minute ring or not', () => {
    const c = clockAt(T0);
    const metrics = new Metrics({ clock: c.clock });
    for (let at = T0; at < T0 + 30 * MIN; at += 10_000) {
      c.now = at;
      metrics.onTaskEvent(taskEvent('task-received', 'r', { name: 'app.tick' }), at);
    }
    const minutes = metrics.series('task', 'app.tick', { from: T0, to: c.now, resolution: 'minute' });
    expect(minutes.map((p) => p.counts.received)).toEqual(Array(30).fill(6));
    const seconds = metrics.series('all', '', { from: c.now - 60_000, to: c.now, resolution: 'second' });
    expect(seconds.reduce((n, p) => n + p.counts.received, 0)).toBe(7);
    expect(metrics.totals('worker', 'celery@w1', { from: T0, to: c.now }).received).toBe(180);
  });

  it('drops what has left the window after gaps longer than it, at both resolutions', () => {
    const c = clockAt(T0);
    const metrics = new Metrics({ clock: c.clock });
    metrics.onTaskEvent(taskEvent('task-failed', 'a'), T0);
    c.now = T0 + 2 * HOUR;
    metrics.onTaskEvent(taskEvent('task-failed', 'b'), c.now);
    // A second-resolution query cannot reach back past 15 min...
    expect(metrics.totals('all', '', { from: T0, to: c.now, resolution: 'second' }).failed).toBe(1);
    // ... minute resolution still has both.
    expect(metrics.totals('all', '', { from: T0, to: c.now }).failed).toBe(2);
    c.now = T0 + 25 * HOUR;
    metrics.onTaskEvent(taskEvent('task-failed', 'c'), c.now);
    expect(metrics.totals('all', '', { from: 0, to: c.now }).failed).toBe(2);
    expect(metrics.series('all', '', { from: 0, to: c.now, resolution: 'minute' })).toHaveLength(1440);
    // Nothing for the future, nothing before the window.
    expect(metrics.series('all', '', { from: c.now + MIN, to: c.now + 2 * MIN })).toEqual([]);
  });

  it('counts per task name, worker and queue, taking name and queue from the record when the event lacks them', () => {
    const metrics = new Metrics({ clock: () => T0 + 1000 });
    const state = new MemoryTaskStore({ maxTasks: 100, purgeOfflineAfter: 3600 });
    const feed = (raw: Record<string, unknown>): void => {
      const event = decoded({ timestamp: T0 / 1000, uuid: 'u1', ...raw });
      metrics.onEvent(event, T0, state.apply(event, T0 / 1000).task);
    };
    feed({ type: 'task-sent', hostname: 'gen1@web', name: 'app.add', queue: 'math' });
    feed({ type: 'task-received', hostname: 'celery@w1', name: 'app.add' });
    feed({ type: 'task-started', hostname: 'celery@w1' });
    feed({ type: 'task-succeeded', hostname: 'celery@w1', runtime: 0.2 });
    const window = { from: T0, to: T0 + 1000 };
    expect(metrics.totals('task', 'app.add', window)).toEqual({ sent: 1, received: 1, started: 1, succeeded: 1, failed: 0, retried: 0, revoked: 0, rejected: 0 });
    expect(metrics.totals('queue', 'math', window).succeeded).toBe(1);
    expect(metrics.totals('worker', 'celery@w1', window)).toMatchObject({ sent: 0, received: 1, succeeded: 1 });
    expect(metrics.totals('worker', 'gen1@web', window).sent).toBe(0);
    expect(metrics.keys('worker')).toEqual(['celery@w1']);
    expect(metrics.totals('task', 'app.unknown', window).succeeded).toBe(0);
    // Without a record, an event counts where it can: overall and its worker.
    metrics.onTaskEvent(taskEvent('task-failed', 'u2', { hostname: 'celery@w2' }), T0);
    expect(metrics.totals('all', '', window).failed).toBe(1);
    expect(metrics.totals('worker', 'celery@w2', window).failed).toBe(1);
    expect(metrics.errors).toBe(0);
  });

  it('holds every cap under 10× overflow, sending the rest to OTHER', () => {
    const c = clockAt(T0);
    const metrics = new Metrics({ clock: c.clock, maxTaskNames: 10, maxWorkers: 5, maxQueues: 3 });
    for (let i = 0; i < 100; i++) {
      metrics.onTaskEvent(taskEvent('task-sent', `s${i}`, { name: `task${i}`, queue: `q${i % 30}`, hostname: 'gen@web' }), T0);
      metrics.onTaskEvent(taskEvent('task-received', `s${i}`, { name: `task${i}`, hostname: `celery@w${i % 50}` }), T0);
      metrics.onWorkerEvent(heartbeat(`celery@w${i % 50}`, { active: 1, processed: i }), T0);
    }
    const stats = metrics.stats();
    expect(stats.series).toEqual({ all: 1, task: 11, worker: 6, queue: 4 });
    expect(stats.overflowEvents).toEqual({ task: 180, worker: 180, queue: 88 });
    expect(metrics.keys('task')).toHaveLength(11);
    expect(metrics.keys('task').at(-1)).toBe(OTHER_KEY);
    const window = { from: T0, to: T0 };
    expect(metrics.totals('task', OTHER_KEY, window)).toMatchObject({ sent: 90, received: 90 });
    expect(metrics.totals('task', 'task3', window)).toMatchObject({ sent: 1, received: 1 });
    expect(metrics.totals('worker', OTHER_KEY, window).received).toBe(100 - 5 * 2);
    expect(metrics.totals('queue', OTHER_KEY, window).sent).toBe(88);
    // Bounded: (cap + 1) series per dimension (19 kB each while counts fit in 8 bits), whatever the keys seen.
    expect(stats.bytes.counts).toBeLessThanOrEqual((1 + 11 + 6 + 4) * 18_720);
    expect(stats.bytes.gauges).toBeLessThanOrEqual(5 * 35_000);
  });

  it('releases keys idle for 24 h, so new keys get their own series again', () => {
    const c = clockAt(T0);
    const metrics = new Metrics({ clock: c.clock, maxTaskNames: 2 });
    metrics.onTaskEvent(taskEvent('task-sent', 'a', { name: 'old' }), T0);
    metrics.onTaskEvent(taskEvent('task-sent', 'b', { name: 'kept' }), T0);
    metrics.onTaskEvent(taskEvent('task-sent', 'b', { name: 'kept' }), T0 + 23 * HOUR);
    c.now = T0 + 25 * HOUR;
    metrics.onTaskEvent(taskEvent('task-sent', 'c', { name: 'new' }), c.now);
    expect(metrics.keys('task')).toEqual(['kept', 'new']);
    expect(metrics.totals('task', 'new', { from: c.now - MIN, to: c.now }).sent).toBe(1);
    expect(metrics.totals('task', 'old', { from: 0, to: c.now }).sent).toBe(0);
  });

  it('never throws, whatever it is given', () => {
    const metrics = new Metrics({ clock: () => T0 });
    const broken = { type: 'task-succeeded', uuid: 'x', runtime: 'fast', hostname: null } as never;
    expect(() => metrics.onTaskEvent(broken, T0)).not.toThrow();
    expect(() => metrics.onTaskEvent(taskEvent('task-started', 'x'), Number.NaN)).not.toThrow();
    expect(() => metrics.onTaskEvent(taskEvent('task-started', 'x'), T0, { name: 'n', queue: null, sent: Number.NaN, received: null, eta: null })).not.toThrow();
    expect(() => metrics.onWorkerEvent({ type: 'worker-heartbeat', hostname: 'w', loadavg: 'high' } as never, T0)).not.toThrow();
    expect(() => metrics.onEvent(decoded({ type: 'task-custom', uuid: 'x', hostname: 'w', timestamp: 1 }), T0)).not.toThrow();
    expect(() => metrics.recordWorkerStats('w', { poolSize: Number.POSITIVE_INFINITY }, -5)).not.toThrow();
    expect(metrics.totals('all', '', { from: T0, to: T0 }).started).toBe(1);
  });
});

describe('Metrics worker gauges', () => {
  it('keeps the last value of each minute, null where none came', () => {
    const metrics = new Metrics({ clock: () => T0 + 3 * MIN });
    metrics.onWorkerEvent(heartbeat('celery@w1', { active: 3, processed: 100, loadavg: [0.5, 0.4, 0.3] }), T0 + 1000);
    metrics.onWorkerEvent(heartbeat('celery@w1', { active: 4, processed: 120, loadavg: [0.75, 0.4, 0.3] }), T0 + 30_000);
    metrics.recordWorkerStats('celery@w1', { poolSize: 8, rssBytes: 123_456_789 }, T0 + 40_000);
    metrics.onWorkerEvent(heartbeat('celery@w1', { processed: 20_000_000_001 }), T0 + 2 * MIN);
    const points = metrics.workerSeries('celery@w1', { from: T0, to: T0 + 3 * MIN });
    expect(points).toHaveLength(4);
    expect(points[0]).toEqual({ t: T0, active: 4, processed: 120, loadavg: 0.75, poolSize: 8, rssBytes: expect.closeTo(123_456_789, -2) });
    expect(points[1]).toEqual({ t: T0 + MIN, active: null, processed: null, loadavg: null, poolSize: null, rssBytes: null });
    expect(points[2]).toMatchObject({ active: null, processed: 20_000_000_001 });
    expect(metrics.workerSeries('celery@nobody', { from: T0, to: T0 })).toHaveLength(1);
  });
});
