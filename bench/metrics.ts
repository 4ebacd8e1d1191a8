/**
 * Cost of server/metrics on the collector's hot path, and its memory.
 *
 *   1. events/s through Metrics.onTaskEvent alone: 1 M events of a realistic mix (1000 task names with
 *      a skewed popularity, 50 workers, 10 queues; sent → received → started → succeeded, 5 % failed,
 *      1 % retried), received at 50 000 ev/s;
 *   2. the collector's per-event work without the broker (JSON.parse + decodeEventBody +
 *      ClusterState.apply) with and without metrics, on the same events: the slowdown;
 *   3. heap held by the metrics after 1 M events at 50 000 ev/s, after 1 M spread over 24 h, and
 *      saturated: every task name busy in every minute of 24 h (EVENTS_SATURATED, default 6 M);
 *   4. with INGEST=1, the real collector fed by redis-server (bench/ingest.ts's publisher, one event per
 *      message) at RATES, without and with metrics.onEvent hooked to collector.onChange: loss and CPU.
 *
 *   npm run bench -- metrics               (runs with --expose-gc for exact heap figures)
 *   INGEST=1 RATES=60000,80000 npm run bench -- metrics
 */
import { type CeleryEvent, decodeEventBody, type TaskEvent } from '@/lib/celery';
import { Metrics, type MetricsStats, type TaskFacts } from '@/server/metrics';
import { ClusterState } from '@/server/state/cluster-state';
import { startRedis } from '@/test/harness/redis-server';
import { runCollectorIngest } from './collector-ingest-run';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.log('run with node --expose-gc (npm run bench -- metrics does)');
  process.exit(2);
}
const NAMES = 1000;
const WORKERS = 50;
const QUEUES = 10;
const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);
const SATURATED = Number(process.env['EVENTS_SATURATED'] ?? 6_000_000);

let seed = 1;
function random(): number {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
}

/** Task name index with a skewed popularity: a few names get most tasks, as in real clusters. */
function pickName(): number {
  return Math.min(NAMES - 1, Math.floor(NAMES * random() ** 3));
}

/** The raw (wire) events of one task, with sender timestamps from `t` (seconds). */
function lifecycle(i: number, t: number): Record<string, unknown>[] {
  const uuid = `${i.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;
  const n = pickName();
  const name = `app.tasks.module${n % 40}.task_${n}`;
  const worker = `celery@worker-${i % WORKERS}`;
  const common = { utcoffset: 0, pid: 1000 + (i % WORKERS), clock: i, uuid };
  const runtime = 0.002 * (1 + n % 50) * (0.5 + random());
  const end = random();
  const last = end < 0.05
    ? { ...common, hostname: worker, type: 'task-failed', exception: "ValueError('boom')", traceback: 'Traceback ...', timestamp: t + 0.01 + runtime }
    : end < 0.06
      ? { ...common, hostname: worker, type: 'task-retried', exception: "IOError('again')", traceback: 'Traceback ...', timestamp: t + 0.01 + runtime }
      : { ...common, hostname: worker, type: 'task-succeeded', result: '42', runtime, timestamp: t + 0.01 + runtime };
  return [
    { ...common, hostname: 'gen42@web-1', type: 'task-sent', name, args: `(${i},)`, kwargs: '{}', root_id: uuid, parent_id: null, retries: 0, eta: null, expires: null, queue: `queue${n % QUEUES}`, exchange: '', routing_key: `queue${n % QUEUES}`, timestamp: t },
    { ...common, hostname: worker, type: 'task-received', name, args: `(${i},)`, kwargs: '{}', root_id: uuid, parent_id: null, retries: 0, eta: null, expires: null, timestamp: t + 0.002 },
    { ...common, hostname: worker, type: 'task-started', timestamp: t + 0.004 + random() * 0.01 },
    last,
  ];
}

/** A pool of decoded task events with the record facts the collector would pass (cycled for long runs). */
function pool(tasks: number): { events: TaskEvent[]; facts: TaskFacts[] } {
  const events: TaskEvent[] = [];
  const facts: TaskFacts[] = [];
  for (let i = 0; i < tasks; i++) {
    const raw = lifecycle(i, T0 / 1000 + i * 0.00002);
    const decoded = decodeEventBody(JSON.parse(JSON.stringify(raw))).events as TaskEvent[];
    const sent = decoded[0] as TaskEvent & { name: string; queue: string };
    const record: TaskFacts = { name: sent.name, queue: sent.queue, sent: sent.timestamp, received: (decoded[1] as TaskEvent).timestamp, eta: null };
    for (const event of decoded) {
      events.push(event);
      facts.push(record);
    }
  }
  return { events, facts };
}

/** JS heap plus ArrayBuffers (the typed arrays the metrics keep live outside the JS heap), after GC. */
async function heapUsed(): Promise<number> {
  gc?.();
  // V8 frees ArrayBuffer memory on a background thread after the GC: give it time.
  await new Promise((resolve) => setTimeout(resolve, 200));
  gc?.();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`;
const rate = (n: number, ms: number): string => `${Math.round((n / ms) * 1000).toLocaleString('en-US')} ev/s (${((ms * 1e6) / n).toFixed(0)} ns/event)`;

/** Feeds `count` events from the pool, received `stepMs` apart; returns the elapsed ms. */
function feed(metrics: Metrics, p: { events: TaskEvent[]; facts: TaskFacts[] }, count: number, stepMs: number): number {
  const { events, facts } = p;
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const k = i % events.length;
    metrics.onTaskEvent(events[k] as TaskEvent, T0 + i * stepMs, facts[k]);
  }
  return performance.now() - started;
}

/** Feeds `count` events `stepMs` apart into a new Metrics: the time taken, the memory it holds, its stats. */
async function measured(p: { events: TaskEvent[]; facts: TaskFacts[] }, count: number, stepMs: number): Promise<{ ms: number; held: number; stats: MetricsStats }> {
  const before = await heapUsed();
  const metrics = new Metrics({ clock: () => T0 + count * stepMs });
  const ms = feed(metrics, p, count, stepMs);
  const held = (await heapUsed()) - before;
  return { ms, held, stats: metrics.stats() };
}

// 1. onTaskEvent alone.
const p = pool(50_000);
feed(new Metrics({ clock: () => T0 }), p, 200_000, 0.02); // warm up the JIT
{
  const { ms, held, stats } = await measured(p, 1_000_000, 0.02);
  console.log(`onTaskEvent, 1 M events (1000 names, 50 workers, 10 queues, 50 000 ev/s):  ${rate(1_000_000, ms)}`);
  console.log(`  memory held after them (heap + ArrayBuffers): ${mib(held)}; series ${JSON.stringify(stats.series)}, errors ${stats.errors}`);
}

// 2. The collector's per-event work with and without metrics.
const texts: string[] = [];
for (let i = 0; i < 50_000; i++) for (const raw of lifecycle(1_000_000 + i, T0 / 1000 + i * 0.00002)) texts.push(JSON.stringify(raw));
function collectorPass(withMetrics: boolean): number {
  const state = new ClusterState({ maxTasks: 100_000, purgeOfflineAfter: 3600 });
  const m = new Metrics({ clock: () => T0 });
  const started = performance.now();
  for (let i = 0; i < texts.length; i++) {
    const at = T0 + i * 0.02;
    const { events } = decodeEventBody(JSON.parse(texts[i] as string));
    for (const event of events) {
      const change = state.apply(event as CeleryEvent, at / 1000);
      if (withMetrics) m.onEvent(event, at, change.task);
    }
  }
  return performance.now() - started;
}
const best = { without: Infinity, with: Infinity };
for (let round = 0; round < 9; round++) {
  best.without = Math.min(best.without, collectorPass(false));
  best.with = Math.min(best.with, collectorPass(true));
}
console.log(`decode + ClusterState.apply, ${texts.length.toLocaleString('en-US')} events (best of 9, alternating):`);
console.log(`  without metrics ${rate(texts.length, best.without)}`);
console.log(`  with metrics    ${rate(texts.length, best.with)}  → ${(((best.with - best.without) / best.without) * 100).toFixed(1)} % more time per event`);
const perEventUs = ((best.with - best.without) * 1000) / texts.length;
// shared/PERF.md: the full collector used 71 % of a core at 80 000 ev/s, i.e. ~8.9 µs of CPU per event.
console.log(`  metrics' own cost ≈ ${perEventUs.toFixed(2)} µs/event = ${((perEventUs / 8.9) * 100).toFixed(1)} % of the full collector's ~8.9 µs/event (PERF.md/bench ingest)`);

// 3. Memory over 24 h.
{
  const { held, stats } = await measured(p, 1_000_000, 86_400_000 / 1_000_000);
  console.log(`1 M events spread over 24 h: held ${mib(held)}; counts ${mib(stats.bytes.counts)}, ` +
    `sketches ${mib(stats.bytes.sketchesUsed)} used of ${mib(stats.bytes.sketches)} allocated; series ${JSON.stringify(stats.series)}`);
}
{
  const { ms, held, stats } = await measured(uniformPool(), SATURATED, 86_400_000 / SATURATED);
  console.log(`${(SATURATED / 1e6).toFixed(0)} M events over 24 h, every name busy every minute (${rate(SATURATED, ms)}, minute roll-overs included): ` +
    `held ${mib(held)}; counts ${mib(stats.bytes.counts)}, sketches ${mib(stats.bytes.sketchesUsed)} used of ${mib(stats.bytes.sketches)} (budget 64 MiB), ` +
    `sketches evicted ${stats.sketchesEvicted.toLocaleString('en-US')}, latency kept since ${stats.latencySince === null ? '-' : `${((T0 + 86_400_000 - stats.latencySince) / 3_600_000).toFixed(1)} h ago`}`);
}

/** Like pool(), but task names taken in turn, so that every name appears in every minute. */
function uniformPool(): { events: TaskEvent[]; facts: TaskFacts[] } {
  const out = pool(NAMES * 4);
  const names = Array.from({ length: NAMES }, (_, n) => `app.tasks.module${n % 40}.task_${n}`);
  out.facts = out.facts.map((f, i) => ({ ...f, name: names[Math.floor(i / 4) % NAMES] as string }));
  out.events = out.events.map((e) => (e.type === 'task-sent' || e.type === 'task-received' ? { ...e, name: null } : e));
  return out;
}

// 4. (INGEST=1) The real collector fed by redis-server at fixed rates, without and with the metrics
// hook the server wires (collector.onChange → onEvent).
if (process.env['INGEST']) {
  const redis = await startRedis();
  try {
    for (const offered of (process.env['RATES'] ?? '60000,80000,100000').split(',').map(Number)) {
      for (const withMetrics of [false, true]) {
        const metrics = new Metrics();
        const run = await runCollectorIngest(redis.url(0), offered, 10, (collector) => {
          if (withMetrics) collector.store.onChange((change, event) => metrics.onEvent(event, Date.now(), change.task));
        });
        console.log(`ingest ${String(offered).padStart(6)} ev/s ${withMetrics ? 'with   ' : 'without'} metrics: loss ${run.lossPercent.toFixed(2)} %, ` +
          `collector CPU ${run.cpuPercent.toFixed(0)} % of a core${withMetrics ? `, metrics errors ${metrics.errors}` : ''}`);
      }
    }
  } finally {
    await redis.stop();
  }
}
