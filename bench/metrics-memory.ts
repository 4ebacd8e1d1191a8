/**
 * Memory of the metrics after an hour of simulated traffic (issue 5: "bench/ reports memory of metrics
 * after 1 hour of simulated traffic over 500 task names and 200 workers"), and the events/s through each
 * stage of the collector's listeners.
 *
 * A fake clock runs HOURS (default 1) of a cluster: 200 workers each sending a heartbeat every 2 s and
 * answering `inspect stats` every 30 s; TASKS_PER_SECOND (default 200) tasks over 500 task names with
 * a skewed popularity, from 20 producers, each task sent → received → started → succeeded (5 % failed,
 * 1 % retried first), on a random worker, runtimes 5 ms … 3 s. Every event goes through the cluster model
 * (ClusterState, 100 000 tasks kept), then Metrics.onEvent, then PrometheusMetrics.onChange, as
 * server-context.ts wires them; each stage is timed on its own.
 *
 * Memory is measured by release: after the run, the heap (JS + ArrayBuffers, after GC) is read, then
 * the Prometheus state is dropped and the heap read again, then the metrics, then the model; each
 * difference is what that part held. Their own byte accounting is printed beside it. (The parts are
 * reachable only through `held`: V8 frees a top-level binding after its last use, so a bare `let`
 * would be gone before its release and its memory counted against the next one.)
 *
 *   npm run bench -- metrics-memory                 HOURS=1 TASKS_PER_SECOND=200
 */
import type { CeleryEvent, TaskEvent, WorkerEvent } from '@/lib/celery';
import { Metrics } from '@/server/metrics';
import { Exposition } from '@/server/prometheus/exposition';
import { PrometheusMetrics } from '@/server/prometheus/prometheus-metrics';
import { type Change, ClusterState } from '@/server/state/cluster-state';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.log('run with node --expose-gc (npm run bench -- metrics-memory does)');
  process.exit(2);
}
const HOURS = Number(process.env['HOURS'] ?? 1);
const TASKS_PER_SECOND = Number(process.env['TASKS_PER_SECOND'] ?? 200);
const NAMES = 500;
const WORKERS = 200;
const PRODUCERS = 20;
const HEARTBEAT_S = 2;
const STATS_S = 30;
const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);
const CHUNK = 64;

let seed = 7;
function random(): number {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
}

const names = Array.from({ length: NAMES }, (_, n) => `app.tasks.module${n % 40}.task_${n}`);
const workers = Array.from({ length: WORKERS }, (_, w) => `celery@worker-${w}.prod.internal`);
const producers = Array.from({ length: PRODUCERS }, (_, p) => `gen${1000 + p}@web-${p}`);
const base = { utcoffset: 0, pid: 1, clock: 0, extra: null, absentFields: null, known: true } as const;

function taskEvents(i: number, t: number): TaskEvent[] {
  const uuid = `${i.toString(16).padStart(12, '0')}-0000-4000-8000-000000000000`;
  const name = names[Math.min(NAMES - 1, Math.floor(NAMES * random() ** 3))] as string;
  const hostname = workers[Math.floor(random() * WORKERS)] as string;
  const runtime = 0.005 * 600 ** random();
  const wait = 0.002 + random() * 0.05;
  const described = { name, args: `(${i},)`, kwargs: '{}', rootId: uuid, parentId: null, retries: 0, eta: null, expires: null };
  const events: TaskEvent[] = [
    { ...base, ...described, type: 'task-sent', uuid, hostname: producers[i % PRODUCERS] as string, timestamp: t, queue: `queue${i % 10}`, exchange: '', routingKey: `queue${i % 10}` },
    { ...base, ...described, type: 'task-received', uuid, hostname, timestamp: t + 0.001 },
    { ...base, type: 'task-started', uuid, hostname, timestamp: t + wait },
  ];
  const end = random();
  if (end < 0.01) events.push({ ...base, type: 'task-retried', uuid, hostname, timestamp: t + wait + runtime, exception: "IOError('again')", traceback: 'Traceback ...' });
  else if (end < 0.06) events.push({ ...base, type: 'task-failed', uuid, hostname, timestamp: t + wait + runtime, exception: "ValueError('boom')", traceback: 'Traceback ...' });
  else events.push({ ...base, type: 'task-succeeded', uuid, hostname, timestamp: t + wait + runtime, result: '42', runtime });
  return events;
}

function heartbeat(w: number, t: number): WorkerEvent {
  return {
    ...base, type: 'worker-heartbeat', hostname: workers[w] as string, timestamp: t, freq: HEARTBEAT_S, active: Math.floor(random() * 8),
    processed: Math.floor(t - T0 / 1000) * 2, loadavg: [1.5, 1.2, 1], swIdent: 'py-celery', swVer: '5.2.7', swSys: 'Linux',
  };
}

/** JS heap plus ArrayBuffers after GC, read until two readings agree (sweeping and ArrayBuffer frees lag). */
async function heapUsed(): Promise<number> {
  let last = -1;
  for (let round = 0; round < 10; round++) {
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const { heapUsed: heap, arrayBuffers } = process.memoryUsage();
    if (Math.abs(heap + arrayBuffers - last) < 65_536) return heap + arrayBuffers;
    last = heap + arrayBuffers;
  }
  return last;
}

const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`;
const perSecond = (n: number, ms: number): string => `${Math.round((n / ms) * 1000).toLocaleString('en-US')} ev/s (${((ms * 1e6) / n).toFixed(0)} ns/event)`;

/** The three parts, reachable only from here, so that releasing one frees what it held. */
const held: { state: ClusterState | null; metrics: Metrics | null; prometheus: PrometheusMetrics | null } = { state: null, metrics: null, prometheus: null };
const clock = { now: T0 };
const baseline = await heapUsed();
held.state = new ClusterState({ maxTasks: 100_000, purgeOfflineAfter: 86_400 });
held.metrics = new Metrics({ clock: () => clock.now });
held.prometheus = new PrometheusMetrics();

interface Run {
  readonly events: number;
  readonly tasks: number;
  readonly wallMs: number;
  readonly ms: { model: number; metrics: number; prometheus: number };
}

function simulate(state: ClusterState, metrics: Metrics, prometheus: PrometheusMetrics): Run {
  const ms = { model: 0, metrics: 0, prometheus: 0 };
  let events = 0;
  let taskIndex = 0;
  const batch: CeleryEvent[] = [];
  const at: number[] = [];
  const changes: Change[] = [];
  const startedAll = performance.now();
  for (let s = 0; s < Math.round(HOURS * 3600); s++) {
    batch.length = 0;
    at.length = 0;
    const t = T0 / 1000 + s;
    for (let k = 0; k < TASKS_PER_SECOND; k++) {
      for (const event of taskEvents(taskIndex++, t + k / TASKS_PER_SECOND)) {
        batch.push(event);
        at.push(Math.round(event.timestamp * 1000));
      }
    }
    // Each worker's heartbeat every HEARTBEAT_S seconds, spread over them.
    for (let w = s % HEARTBEAT_S; w < WORKERS; w += HEARTBEAT_S) {
      batch.push(heartbeat(w, t + w / WORKERS));
      at.push(Math.round((t + w / WORKERS) * 1000));
    }
    clock.now = (t + 1) * 1000;
    // Stage by stage over chunks small enough that the records just applied are still in cache, as when
    // the collector runs the three for each event in turn.
    for (let first = 0; first < batch.length; first += CHUNK) {
      const last = Math.min(first + CHUNK, batch.length);
      let started = performance.now();
      for (let i = first; i < last; i++) changes[i] = state.apply(batch[i] as CeleryEvent, (at[i] as number) / 1000);
      let ended = performance.now();
      ms.model += ended - started;
      started = ended;
      for (let i = first; i < last; i++) metrics.onEvent(batch[i] as CeleryEvent, at[i] as number, (changes[i] as Change).task);
      ended = performance.now();
      ms.metrics += ended - started;
      started = ended;
      for (let i = first; i < last; i++) prometheus.onChange(changes[i] as Change, batch[i] as CeleryEvent, at[i] as number);
      ms.prometheus += performance.now() - started;
    }
    events += batch.length;
    // Every worker answers `inspect stats` once per STATS_S seconds.
    for (let w = s % STATS_S; w < WORKERS; w += STATS_S) metrics.recordWorkerStats(workers[w] as string, { poolSize: 8, rssBytes: (60 + (w % 40)) * 1048576 }, clock.now);
  }
  return { events, tasks: taskIndex, wallMs: performance.now() - startedAll, ms };
}

/** One scrape of the families the Prometheus state writes; its text is garbage once this returns. */
function scrapeOnce(prometheus: PrometheusMetrics): string {
  const started = performance.now();
  const out = new Exposition();
  prometheus.flower.write(out);
  prometheus.tasks.write(out);
  const text = out.text();
  return `${text.split('\n').length.toLocaleString('en-US')} lines, ${mib(text.length)}, ${(performance.now() - started).toFixed(0)} ms`;
}

const run = simulate(held.state, held.metrics, held.prometheus);
console.log(`${HOURS} h simulated: ${run.events.toLocaleString('en-US')} events (${run.tasks.toLocaleString('en-US')} tasks over ${NAMES} names at ${TASKS_PER_SECOND}/s, ` +
  `${WORKERS} workers with heartbeats every ${HEARTBEAT_S} s, ${PRODUCERS} producers) in ${(run.wallMs / 1000).toFixed(1)} s wall`);
console.log(`  ClusterState.apply           ${perSecond(run.events, run.ms.model)}`);
console.log(`  Metrics.onEvent              ${perSecond(run.events, run.ms.metrics)}`);
console.log(`  PrometheusMetrics.onChange   ${perSecond(run.events, run.ms.prometheus)}`);
console.log(`  scrape of the flower_* and pollen_tasks_total families: ${scrapeOnce(held.prometheus)}`);

const flowerStats = held.prometheus.flower.stats();
const metricsStats = held.metrics.stats();
const tasksKept = held.state.taskCount;
const all = await heapUsed();
held.prometheus = null;
const withoutPrometheus = await heapUsed();
held.metrics = null;
const withoutMetrics = await heapUsed();
held.state = null;
const withoutState = await heapUsed();
console.log(`memory held (heap + ArrayBuffers after GC, measured by releasing each part):`);
console.log(`  Prometheus state  ${mib(all - withoutPrometheus)}   own accounting ≈ ${mib(flowerStats.approxBytes)}; ` +
  `${flowerStats.series.toLocaleString('en-US')} (worker, task) series of the 10 000 cap, ${flowerStats.workers} worker labels, ` +
  `${flowerStats.overflowEvents.toLocaleString('en-US')} events folded into "(other)"`);
console.log(`  Metrics           ${mib(withoutPrometheus - withoutMetrics)}   own accounting: counts ${mib(metricsStats.bytes.counts)}, gauges ${mib(metricsStats.bytes.gauges)}, ` +
  `sketches ${mib(metricsStats.bytes.sketchesUsed)} used of ${mib(metricsStats.bytes.sketches)} allocated; series ${JSON.stringify(metricsStats.series)}, errors ${metricsStats.errors}`);
console.log(`  ClusterState      ${mib(withoutMetrics - withoutState)}   (${tasksKept.toLocaleString('en-US')} tasks kept), for scale`);
console.log(`  heap before the run ${mib(baseline)}, after it ${mib(all)}, after releasing everything ${mib(withoutState)}`);
