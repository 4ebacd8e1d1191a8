import { describe, expect, it } from 'vitest';
import type { CeleryEvent } from '@/lib/celery';
import { decoded, heartbeat, T0 } from '../metrics/metrics-test-events';
import { MemoryTaskStore } from '../store/memory-task-store';
import { Exposition } from './exposition';
import { parseExposition, type ParsedFamily, sampleValue } from './exposition-test-parser';
import { PrometheusMetrics, type PrometheusMetricsOptions } from './prometheus-metrics';

const W = 'celery@w1';
const PRODUCER = 'gen42@web-1';
const NAME = 'tasks.add';

/** The cluster model and the /metrics state, fed the way the collector feeds them. */
function cluster(options: PrometheusMetricsOptions = {}) {
  const state = new MemoryTaskStore({ maxTasks: 1000, purgeOfflineAfter: 3600 });
  const prometheus = new PrometheusMetrics(options);
  let now = T0;
  return {
    state,
    prometheus,
    apply(...events: CeleryEvent[]) {
      for (const event of events) {
        const change = state.apply(event, now / 1000);
        prometheus.onChange(change, event, now);
      }
    },
    advance(ms: number) {
      now += ms;
    },
    scrape(): Map<string, ParsedFamily> {
      const out = new Exposition();
      prometheus.flower.write(out);
      prometheus.tasks.write(out);
      return parseExposition(out.text());
    },
  };
}

/** Wire-shaped task events at sender time T0 + `s` seconds. */
const at = (s: number): number => T0 / 1000 + s;
const sent = (uuid: string, s = 0, extra: Record<string, unknown> = {}) =>
  decoded({ type: 'task-sent', uuid, hostname: PRODUCER, timestamp: at(s), name: NAME, args: '(1, 2)', kwargs: '{}', queue: 'celery', ...extra });
const received = (uuid: string, s = 1, extra: Record<string, unknown> = {}) =>
  decoded({ type: 'task-received', uuid, hostname: W, timestamp: at(s), name: NAME, args: '(1, 2)', kwargs: '{}', ...extra });
const started = (uuid: string, s = 3, hostname = W) => decoded({ type: 'task-started', uuid, hostname, timestamp: at(s) });
const succeeded = (uuid: string, runtime: unknown, s = 4) => decoded({ type: 'task-succeeded', uuid, hostname: W, timestamp: at(s), result: '3', runtime });
const failed = (uuid: string, s = 4) => decoded({ type: 'task-failed', uuid, hostname: W, timestamp: at(s), exception: "ValueError('x')", traceback: 'Traceback' });
const online = (hostname: string) => decoded({ type: 'worker-online', hostname, timestamp: at(0), freq: 2, sw_ident: 'py-celery', sw_ver: '5.2.7', sw_sys: 'Linux' });
const offline = (hostname: string) => decoded({ type: 'worker-offline', hostname, timestamp: at(0), freq: 2, sw_ident: 'py-celery', sw_ver: '5.2.7', sw_sys: 'Linux' });

const events = (m: Map<string, ParsedFamily>, worker: string, type: string, task = NAME) => sampleValue(m, 'flower_events_total', { worker, type, task });
const pairGauge = (m: Map<string, ParsedFamily>, family: string, worker = W, task = NAME) => sampleValue(m, family, { worker, task });

describe("flower_events_total (Flower's rule: +1 per task-* event, labels worker, type, task)", () => {
  it('counts task-sent under the producer and the rest under the worker, naming the task from the record when the event has no name', () => {
    const c = cluster();
    c.apply(sent('a'), received('a'), started('a'), succeeded('a', 0.02));
    const m = c.scrape();
    expect(events(m, PRODUCER, 'task-sent')).toBe(1);
    expect(events(m, W, 'task-received')).toBe(1);
    expect(events(m, W, 'task-started')).toBe(1);
    expect(events(m, W, 'task-succeeded')).toBe(1);
    expect(m.get('flower_events_total')?.samples).toHaveLength(4);
  });

  it("uses task='' when neither the event nor the record knows the name (started before received)", () => {
    const c = cluster();
    c.apply(started('x'));
    expect(events(c.scrape(), W, 'task-started', '')).toBe(1);
  });

  it('counts custom task-* events under their own type', () => {
    const c = cluster();
    c.apply(received('a'), decoded({ type: 'task-progress', uuid: 'a', hostname: W, timestamp: at(2), done: 5 }));
    expect(events(c.scrape(), W, 'task-progress')).toBe(1);
  });

  it('does not count worker events', () => {
    const c = cluster();
    c.apply(online(W), heartbeat(W, { active: 0 }));
    expect(c.scrape().get('flower_events_total')?.samples).toEqual([]);
  });
});

describe('flower_task_runtime_seconds (histogram of runtime, Prometheus default buckets)', () => {
  it('puts a runtime in the first bucket whose bound is at or above it, cumulatively, with sum and count', () => {
    const c = cluster();
    c.apply(received('a'), started('a'), succeeded('a', 0.05), received('b'), started('b'), succeeded('b', 3));
    const m = c.scrape();
    const bucket = (le: string) => sampleValue(m, 'flower_task_runtime_seconds', { worker: W, task: NAME, le }, 'flower_task_runtime_seconds_bucket');
    expect([bucket('0.025'), bucket('0.05'), bucket('1.0'), bucket('2.5'), bucket('5.0'), bucket('10.0'), bucket('+Inf')]).toEqual([0, 1, 1, 1, 2, 2, 2]);
    expect(sampleValue(m, 'flower_task_runtime_seconds', { worker: W, task: NAME }, 'flower_task_runtime_seconds_sum')).toBeCloseTo(3.05);
    expect(sampleValue(m, 'flower_task_runtime_seconds', { worker: W, task: NAME }, 'flower_task_runtime_seconds_count')).toBe(2);
    expect(m.get('flower_task_runtime_seconds')?.samples.filter((s) => s.name.endsWith('_bucket'))).toHaveLength(15);
  });

  it('observes nothing for a zero or missing runtime, so the series does not appear', () => {
    const c = cluster();
    c.apply(received('a'), started('a'), succeeded('a', 0), received('b'), failed('b'));
    expect(c.scrape().get('flower_task_runtime_seconds')?.samples).toEqual([]);
  });
});

describe('flower_task_prefetch_time_seconds and flower_worker_prefetched_tasks', () => {
  it('follow a task event by event: +1 on received, started − received and −1 on started, 0 on succeeded', () => {
    const c = cluster();
    c.apply(sent('a'));
    let m = c.scrape();
    expect(pairGauge(m, 'flower_worker_prefetched_tasks')).toBeUndefined();
    expect(pairGauge(m, 'flower_task_prefetch_time_seconds')).toBeUndefined();

    c.apply(received('a', 1));
    m = c.scrape();
    expect(pairGauge(m, 'flower_worker_prefetched_tasks')).toBe(1);
    expect(pairGauge(m, 'flower_task_prefetch_time_seconds')).toBeUndefined();

    c.apply(received('b', 1.5));
    expect(pairGauge(c.scrape(), 'flower_worker_prefetched_tasks')).toBe(2);

    c.apply(started('a', 3.25));
    m = c.scrape();
    expect(pairGauge(m, 'flower_worker_prefetched_tasks')).toBe(1);
    expect(pairGauge(m, 'flower_task_prefetch_time_seconds')).toBeCloseTo(2.25);

    c.apply(succeeded('a', 0.1));
    expect(pairGauge(c.scrape(), 'flower_task_prefetch_time_seconds')).toBe(0);

    c.apply(started('b', 5.5));
    expect(pairGauge(c.scrape(), 'flower_task_prefetch_time_seconds')).toBeCloseTo(4);
    c.apply(failed('b', 6));
    m = c.scrape();
    expect(pairGauge(m, 'flower_task_prefetch_time_seconds')).toBe(0);
    expect(pairGauge(m, 'flower_worker_prefetched_tasks')).toBe(0);
  });

  it('leave out tasks with an ETA', () => {
    const c = cluster();
    c.apply(received('a', 1, { eta: '2026-11-21T12:05:00+00:00' }), started('a'), succeeded('a', 0.1));
    const m = c.scrape();
    expect(pairGauge(m, 'flower_worker_prefetched_tasks')).toBeUndefined();
    expect(pairGauge(m, 'flower_task_prefetch_time_seconds')).toBeUndefined();
    expect(events(m, W, 'task-succeeded')).toBe(1);
  });

  it('need the received time: a task seen only from task-started changes neither', () => {
    const c = cluster();
    c.apply(started('a'), succeeded('a', 0.1));
    const m = c.scrape();
    expect(pairGauge(m, 'flower_worker_prefetched_tasks', W, '')).toBeUndefined();
    expect(pairGauge(m, 'flower_task_prefetch_time_seconds', W, '')).toBeUndefined();
  });
});

describe('flower_worker_online and flower_worker_number_of_currently_executing_tasks', () => {
  it('online is 1 on worker-online and heartbeats and 0 on worker-offline; executing is the heartbeat active', () => {
    const c = cluster();
    c.apply(online(W));
    let m = c.scrape();
    expect(sampleValue(m, 'flower_worker_online', { worker: W })).toBe(1);
    expect(sampleValue(m, 'flower_worker_number_of_currently_executing_tasks', { worker: W })).toBeUndefined();

    c.apply(heartbeat(W, { active: 3, processed: 10 }));
    expect(sampleValue(c.scrape(), 'flower_worker_number_of_currently_executing_tasks', { worker: W })).toBe(3);

    // A heartbeat answering the `heartbeat` command has no `active`: the gauge keeps its value.
    c.apply(heartbeat(W, {}));
    expect(sampleValue(c.scrape(), 'flower_worker_number_of_currently_executing_tasks', { worker: W })).toBe(3);

    c.apply(offline(W));
    m = c.scrape();
    expect(sampleValue(m, 'flower_worker_online', { worker: W })).toBe(0);
    c.apply(heartbeat(W, { active: 0 }));
    expect(sampleValue(c.scrape(), 'flower_worker_online', { worker: W })).toBe(1);
  });

  it('task events alone do not make a worker online (as in Flower)', () => {
    const c = cluster();
    c.apply(received('a'));
    expect(sampleValue(c.scrape(), 'flower_worker_online', { worker: W })).toBeUndefined();
  });
});

describe('cardinality caps', () => {
  it("past maxSeries, a worker's new task names count under task=\"(other)\" of that worker", () => {
    const c = cluster({ maxSeries: 2 });
    for (const [i, name] of ['t.one', 't.two', 't.three', 't.four'].entries()) c.apply(received(`u${i}`, 1, { name }));
    const m = c.scrape();
    expect(events(m, W, 'task-received', 't.one')).toBe(1);
    expect(events(m, W, 'task-received', 't.two')).toBe(1);
    expect(events(m, W, 'task-received', '(other)')).toBe(2);
    expect(c.prometheus.flower.stats().overflowEvents).toBe(2);
  });

  it('past maxWorkers, new node names count as worker="(other)", without worker gauges', () => {
    const c = cluster({ maxWorkers: 1 });
    c.apply(online(W), online('celery@w2'), heartbeat('celery@w2', { active: 4 }), started('z', 1, 'celery@w3'));
    const m = c.scrape();
    expect(sampleValue(m, 'flower_worker_online', { worker: W })).toBe(1);
    expect(m.get('flower_worker_online')?.samples).toHaveLength(1);
    expect(m.get('flower_worker_number_of_currently_executing_tasks')?.samples).toEqual([]);
    expect(events(m, '(other)', 'task-started', '')).toBe(1);
  });

  it('past maxTaskNames, further names count as "(other)" in pollen_tasks_total and the flower_* families', () => {
    const c = cluster({ maxTaskNames: 1 });
    c.apply(received('a', 1, { name: 't.one' }), received('b', 1, { name: 't.two' }), received('c', 1, { name: 't.three' }));
    const m = c.scrape();
    expect(sampleValue(m, 'pollen_tasks_total', { name: 't.one', state: 'received' })).toBe(1);
    expect(sampleValue(m, 'pollen_tasks_total', { name: '(other)', state: 'received' })).toBe(2);
    expect(events(m, W, 'task-received', '(other)')).toBe(2);
    expect(pairGauge(m, 'flower_worker_prefetched_tasks', W, '(other)')).toBe(2);
    expect(c.prometheus.names.overflowEvents).toBe(2);
  });
});

describe('purge (Flower 2.1 --purge_offline_workers)', () => {
  it('drops the series of workers the model forgot, and of producers idle past purgeAfterMs', () => {
    const c = cluster({ purgeAfterMs: 60_000 });
    c.apply(online(W), sent('a'), received('a'), online('celery@w2'));
    c.advance(30_000);
    expect(c.prometheus.flower.purge((h) => h !== W, T0 + 30_000)).toBe(1);
    let m = c.scrape();
    expect(sampleValue(m, 'flower_worker_online', { worker: W })).toBeUndefined();
    expect(events(m, W, 'task-received')).toBeUndefined();
    expect(events(m, PRODUCER, 'task-sent')).toBe(1);
    expect(sampleValue(m, 'flower_worker_online', { worker: 'celery@w2' })).toBe(1);

    expect(c.prometheus.flower.purge(() => true, T0 + 61_000)).toBe(1);
    m = c.scrape();
    expect(events(m, PRODUCER, 'task-sent')).toBeUndefined();
    expect(c.prometheus.flower.stats()).toMatchObject({ workers: 1, series: 0 });
  });

  it('starts a worker that comes back, or a new one reusing freed rows, from zero', () => {
    const c = cluster();
    c.apply(received('a'), started('a'), succeeded('a', 0.3));
    c.prometheus.flower.purge(() => false, T0);
    c.apply(received('b', 1, { name: 'tasks.other' }));
    c.apply(decoded({ type: 'task-received', uuid: 'c', hostname: 'celery@w9', timestamp: at(1), name: NAME }));
    const m = c.scrape();
    expect(events(m, W, 'task-received', 'tasks.other')).toBe(1);
    expect(events(m, W, 'task-succeeded')).toBeUndefined();
    expect(events(m, 'celery@w9', 'task-received')).toBe(1);
    expect(events(m, 'celery@w9', 'task-succeeded')).toBeUndefined();
    expect(m.get('flower_task_runtime_seconds')?.samples).toEqual([]);
    expect(pairGauge(m, 'flower_task_prefetch_time_seconds', 'celery@w9')).toBeUndefined();
    expect(pairGauge(m, 'flower_worker_prefetched_tasks', 'celery@w9')).toBe(1);
  });
});

describe('robustness', () => {
  it('writes worker and task names with quotes, backslashes and line feeds as valid, faithful labels', () => {
    const c = cluster();
    const odd = 'celery@"odd"\\host\nname';
    c.apply(decoded({ type: 'task-received', uuid: 'q', hostname: odd, timestamp: at(1), name: 'we"ird\\task' }));
    expect(events(c.scrape(), odd, 'task-received', 'we"ird\\task')).toBe(1);
  });

  it('survives events with missing or wrong fields and counts no errors', () => {
    const c = cluster();
    const broken = [
      { type: 'task-succeeded', uuid: 'b', hostname: W, known: true },
      { type: 'task-received', uuid: 'b', known: true, name: 42 },
      { type: 'worker-heartbeat', known: true, active: 'many' },
      { type: 'task-x', known: false },
    ] as unknown as CeleryEvent[];
    for (const event of broken) expect(() => c.prometheus.onChange({ task: null, taskStateChanged: false, worker: null, workerCameOnline: false }, event, T0)).not.toThrow();
    expect(c.prometheus.flower.errors).toBe(0);
    const m = c.scrape();
    expect(events(m, W, 'task-succeeded', '')).toBe(1);
    expect(events(m, '', 'task-received', '')).toBe(1);
    expect(sampleValue(m, 'flower_worker_online', { worker: '' })).toBe(1);
    expect(sampleValue(m, 'flower_worker_number_of_currently_executing_tasks', { worker: '' })).toBeUndefined();
  });

  it('exposes HELP and TYPE of all six families before any event, as prometheus_client does', () => {
    const m = cluster().scrape();
    expect([...m.values()].map((f) => [f.name, f.type])).toEqual([
      ['flower_events_total', 'counter'],
      ['flower_task_runtime_seconds', 'histogram'],
      ['flower_task_prefetch_time_seconds', 'gauge'],
      ['flower_worker_prefetched_tasks', 'gauge'],
      ['flower_worker_online', 'gauge'],
      ['flower_worker_number_of_currently_executing_tasks', 'gauge'],
      ['pollen_tasks_total', 'counter'],
    ]);
  });
});

describe('pollen_tasks_total', () => {
  it('counts task events by the task name and the state they report, over all workers', () => {
    const c = cluster();
    c.apply(sent('a'), received('a'), started('a'), succeeded('a', 0.1), sent('b'), received('b'), started('b', 3, 'celery@w2'), failed('b'));
    const m = c.scrape();
    const count = (state: string) => sampleValue(m, 'pollen_tasks_total', { name: NAME, state });
    expect([count('sent'), count('received'), count('started'), count('succeeded'), count('failed'), count('retried')]).toEqual([2, 2, 2, 1, 1, undefined]);
  });
});
