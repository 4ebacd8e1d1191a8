/**
 * What /metrics costs the collector's hot path.
 *
 *   1. Flower's update rules per event: Pollen's FlowerMetrics + TaskCounters (PrometheusMetrics) against
 *      the same rules written on prom-client 15.1.3 the way Flower writes them on prometheus_client
 *      (`labels(...).inc()` per event), on the same 400 000 decoded events and records (500 task names,
 *      200 workers). prom-client is not a dependency: the comparison runs when it can be imported
 *      (installed, or named by PROM_CLIENT=<path to its index.js>) and is skipped otherwise;
 *   2. the collector's per-event work without the broker (JSON.parse + decodeEventBody +
 *      ClusterState.apply + Metrics.onEvent, as wired) with and without the Prometheus feed: the slowdown;
 *   3. with INGEST=1, the real collector fed by redis-server (bench/ingest.ts's publisher, one event per
 *      message) at RATES, with the metrics wired as server-context.ts does, without and with
 *      feedPrometheus: loss and CPU.
 *
 *   npm run bench -- metrics-prometheus
 *   INGEST=1 RATES=60000,80000 npm run bench -- metrics-prometheus
 */
import { type CeleryEvent, decodeEventBody } from '@/lib/celery';
import { Metrics } from '@/server/metrics';
import { Exposition } from '@/server/prometheus/exposition';
import { feedPrometheus, PrometheusMetrics } from '@/server/prometheus/prometheus-metrics';
import { type Change, ClusterState } from '@/server/state/cluster-state';
import { startRedis } from '@/test/harness/redis-server';
import { runCollectorIngest } from './collector-ingest-run';

const NAMES = 500;
const WORKERS = 200;
const TASKS = 100_000;
const T0 = Date.UTC(2026, 10, 21, 12, 0, 0) / 1000;

let seed = 3;
function random(): number {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
}

/** Wire events of one task (received → started → succeeded, 5 % failed), as JSON texts. */
function lifecycle(i: number): string[] {
  const uuid = `${i.toString(16).padStart(12, '0')}-0000-4000-8000-000000000000`;
  const n = Math.min(NAMES - 1, Math.floor(NAMES * random() ** 3));
  const name = `app.tasks.module${n % 40}.task_${n}`;
  const hostname = `celery@worker-${Math.floor(random() * WORKERS)}.prod.internal`;
  const t = T0 + i * 0.005;
  const common = { hostname, utcoffset: 0, pid: 100, clock: i, uuid };
  const runtime = 0.005 * 600 ** random();
  const events: Record<string, unknown>[] = [
    { ...common, hostname: 'gen42@web-1', type: 'task-sent', name, args: `(${i},)`, kwargs: '{}', root_id: uuid, parent_id: null, retries: 0, eta: null, expires: null, queue: 'celery', exchange: '', routing_key: 'celery', timestamp: t },
    { ...common, type: 'task-received', name, args: `(${i},)`, kwargs: '{}', root_id: uuid, parent_id: null, retries: 0, eta: null, expires: null, timestamp: t + 0.001 },
    { ...common, type: 'task-started', timestamp: t + 0.003 },
    random() < 0.05
      ? { ...common, type: 'task-failed', exception: "ValueError('boom')", traceback: 'Traceback ...', timestamp: t + 0.003 + runtime }
      : { ...common, type: 'task-succeeded', result: '42', runtime, timestamp: t + 0.003 + runtime },
  ];
  return events.map((e) => JSON.stringify(e));
}

const texts: string[] = [];
for (let i = 0; i < TASKS; i++) texts.push(...lifecycle(i));
const rate = (n: number, ms: number): string => `${Math.round((n / ms) * 1000).toLocaleString('en-US')} ev/s (${((ms * 1e6) / n).toFixed(0)} ns/event)`;

// 1. Flower's rules alone, ours against prom-client's, on the same applied events.
const events: CeleryEvent[] = texts.map((text) => decodeEventBody(JSON.parse(text)).events[0] as CeleryEvent);
const model = new ClusterState({ maxTasks: TASKS * 2, purgeOfflineAfter: 3600 });
const changes: Change[] = events.map((event, i) => model.apply(event, T0 + i * 0.001));

function ours(): number {
  const prometheus = new PrometheusMetrics();
  const started = performance.now();
  for (let i = 0; i < events.length; i++) prometheus.onChange(changes[i] as Change, events[i] as CeleryEvent, 0);
  return performance.now() - started;
}

interface PromChild { inc(value?: number): void; dec(value?: number): void; set(value: number): void; observe(value: number): void }
interface PromMetric { labels(...values: string[]): PromChild }
interface PromClient {
  Registry: new () => { metrics(): Promise<string> };
  Counter: new (c: object) => PromMetric;
  Gauge: new (c: object) => PromMetric;
  Histogram: new (c: object) => PromMetric;
}

/** Flower's EventsState.event rules on prom-client, one labels() call per update as Flower does. */
function withPromClient(client: PromClient): { ms: number; scrape: () => Promise<string> } {
  const registers = [new client.Registry()];
  const counter = new client.Counter({ name: 'flower_events_total', help: 'x', labelNames: ['worker', 'type', 'task'], registers });
  const runtime = new client.Histogram({ name: 'flower_task_runtime_seconds', help: 'x', labelNames: ['worker', 'task'], registers });
  const prefetchTime = new client.Gauge({ name: 'flower_task_prefetch_time_seconds', help: 'x', labelNames: ['worker', 'task'], registers });
  const prefetched = new client.Gauge({ name: 'flower_worker_prefetched_tasks', help: 'x', labelNames: ['worker', 'task'], registers });
  const started = performance.now();
  for (let i = 0; i < events.length; i++) {
    const event = events[i] as CeleryEvent;
    const task = (changes[i] as Change).task;
    if (task === null) continue;
    const name = task.name ?? '';
    counter.labels(event.hostname, event.type, name).inc();
    if ('runtime' in event && event.runtime) runtime.labels(event.hostname, name).observe(event.runtime);
    if (task.eta) continue;
    if (event.type === 'task-received' && task.received) prefetched.labels(event.hostname, name).inc();
    if (event.type === 'task-started' && task.started && task.received) {
      prefetchTime.labels(event.hostname, name).set(task.started - task.received);
      prefetched.labels(event.hostname, name).dec();
    }
    if ((event.type === 'task-succeeded' || event.type === 'task-failed') && task.started && task.received) prefetchTime.labels(event.hostname, name).set(0);
  }
  return { ms: performance.now() - started, scrape: () => (registers[0] as { metrics(): Promise<string> }).metrics() };
}

let client: PromClient | null = null;
try {
  // PROM_CLIENT may name a copy installed elsewhere (e.g. /tmp/x/node_modules/prom-client/index.js).
  const specifier = process.env['PROM_CLIENT'] ?? 'prom-client';
  client = ((await import(specifier)) as { default: PromClient }).default;
} catch {
  client = null;
}
const best = { ours: Infinity, prom: Infinity };
for (let round = 0; round < 5; round++) {
  best.ours = Math.min(best.ours, ours());
  if (client) best.prom = Math.min(best.prom, withPromClient(client).ms);
}
console.log(`Flower's update rules on ${events.length.toLocaleString('en-US')} applied events (${NAMES} names, ${WORKERS} workers), best of 5:`);
console.log(`  PrometheusMetrics (Pollen)        ${rate(events.length, best.ours)}`);
if (client) {
  console.log(`  prom-client 15.1.3 labels().inc() ${rate(events.length, best.prom)}`);
  const prom = withPromClient(client);
  let started = performance.now();
  const promText = await prom.scrape();
  const promScrape = performance.now() - started;
  const prometheus = new PrometheusMetrics();
  for (let i = 0; i < events.length; i++) prometheus.onChange(changes[i] as Change, events[i] as CeleryEvent, 0);
  started = performance.now();
  const out = new Exposition();
  prometheus.flower.write(out);
  const ourText = out.text();
  console.log(`  scrape: Pollen ${(performance.now() - started).toFixed(0)} ms for ${(ourText.length / 1048576).toFixed(1)} MiB; prom-client ${promScrape.toFixed(0)} ms for ${(promText.length / 1048576).toFixed(1)} MiB`);
} else {
  console.log('  prom-client: not found, skipped (PROM_CLIENT=<path to prom-client/index.js> to compare)');
}

// 2. The collector's per-event work with and without the Prometheus feed.
function collectorPass(withPrometheus: boolean): number {
  const state = new ClusterState({ maxTasks: 100_000, purgeOfflineAfter: 3600 });
  const metrics = new Metrics({ clock: () => T0 * 1000 });
  const prometheus = new PrometheusMetrics();
  const started = performance.now();
  for (let i = 0; i < texts.length; i++) {
    const at = T0 * 1000 + i * 0.02;
    for (const event of decodeEventBody(JSON.parse(texts[i] as string)).events) {
      const change = state.apply(event, at / 1000);
      metrics.onEvent(event, at, change.task);
      if (withPrometheus) prometheus.onChange(change, event, at);
    }
  }
  return performance.now() - started;
}
const pass = { without: Infinity, with: Infinity };
const spread = { without: [] as number[], with: [] as number[] };
for (let round = 0; round < 7; round++) {
  const without = collectorPass(false);
  const withIt = collectorPass(true);
  spread.without.push(without);
  spread.with.push(withIt);
  pass.without = Math.min(pass.without, without);
  pass.with = Math.min(pass.with, withIt);
}
const perEventUs = ((pass.with - pass.without) * 1000) / texts.length;
console.log(`decode + ClusterState.apply + Metrics.onEvent, ${texts.length.toLocaleString('en-US')} events (best of 7, alternating; spread ${spreadOf(spread.without)} / ${spreadOf(spread.with)}):`);
console.log(`  without the Prometheus feed ${rate(texts.length, pass.without)}`);
console.log(`  with it                     ${rate(texts.length, pass.with)}  → ${(((pass.with - pass.without) / pass.without) * 100).toFixed(1)} % more time per event (${perEventUs.toFixed(2)} µs)`);

function spreadOf(values: number[]): string {
  const min = Math.min(...values);
  return `+${(((Math.max(...values) - min) / min) * 100).toFixed(0)} %`;
}

// 3. (INGEST=1) The real collector from redis-server, metrics wired, without and with feedPrometheus.
if (process.env['INGEST']) {
  const redis = await startRedis();
  try {
    for (const offered of (process.env['RATES'] ?? '60000,80000').split(',').map(Number)) {
      for (const withPrometheus of [false, true]) {
        const prometheus = new PrometheusMetrics();
        const run = await runCollectorIngest(redis.url(0), offered, Number(process.env['SECONDS'] ?? 10), (collector) => {
          const metrics = new Metrics();
          collector.store.onChange((change, event) => metrics.onEvent(event, Date.now(), change.task));
          if (withPrometheus) feedPrometheus(collector.store, prometheus);
        });
        console.log(`ingest ${String(offered).padStart(6)} ev/s, metrics wired, ${withPrometheus ? 'with   ' : 'without'} the Prometheus feed: loss ${run.lossPercent.toFixed(2)} %, ` +
          `collector CPU ${run.cpuPercent.toFixed(0)} % of a core${withPrometheus ? `, feed errors ${prometheus.flower.errors}` : ''}`);
      }
    }
  } finally {
    await redis.stop();
  }
}
