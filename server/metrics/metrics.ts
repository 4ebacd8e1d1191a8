/**
 * Pollen's metrics: task throughput, latency distributions and worker gauges over the last 24 h, fed
 * one event at a time from the collector and bounded in memory whatever the traffic.
 *
 *   const metrics = new Metrics();
 *   store.onChange((change, event) => metrics.onEvent(event, Date.now(), change.task));
 *   metrics.totals('task', 'app.add', { from: Date.now() - 15 * 60_000, to: Date.now() }).failed;
 *   metrics.latency('runtime', 'app.add', { from: Date.now() - 3_600_000, to: Date.now() }).p99;
 *
 * The hot path (onTaskEvent) is O(1): up to three Map look-ups, four counter increments, and for
 * started / succeeded / failed one or two DDSketch inserts; it allocates only when a series or a
 * minute's sketch is first used, and never throws (a failure is counted in `errors`). Once a minute
 * the first event also closes the last minute's sketches and releases keys idle for 24 h (O(keys)).
 *
 * Per-task state is not kept here: wait and end-to-end times need a task's sent/received time, which
 * the caller's record has (TaskStore's TaskRecord fits TaskFacts as it is). Without a record only
 * what the event carries is counted: overall, its worker, and for task-sent/received its name.
 *
 * Times: buckets come from `receivedAtMs` (our clock, epoch ms); latencies are differences of sender
 * timestamps, like Flower and celery-exporter (cross-host skew can make sent → started negative:
 * such values count as 0). Tasks with an ETA/countdown are left out of wait and end-to-end, whose
 * delay is the ETA's, not the queue's.
 */
import type { DDSketch } from '@datadog/sketches-js';
import type { CeleryEvent, TaskEvent, WorkerEvent } from '@/lib/celery';
import { KeyRegistry } from './key-registry';
import { LATENCY_KINDS, type LatencyKind, LatencyStore, OVERALL_SERIES } from './latency-store';
import { bucketRange, type Counts, type Dimension, MINUTE_MS, MINUTE_SLOTS, SECOND_MS, stateIndex, type TimeWindow } from './metric-types';
import { EMPTY_SUMMARY, type LatencySummary, newSketch, summarize } from './sketch-ops';
import { type CountPoint, ThroughputStore } from './throughput-store';
import { WorkerGauges, type WorkerPoint } from './worker-gauges';
import type { LatencyPoint, MetricsOptions, MetricsStats, TaskFacts, WorkerStats } from './metrics-shapes';

const RUNTIME = LATENCY_KINDS.indexOf('runtime');
const WAIT = LATENCY_KINDS.indexOf('wait');
const END_TO_END = LATENCY_KINDS.indexOf('endToEnd');
/** Keys unused for longer than everything kept are released (24 h and a margin). */
const IDLE_MS = (MINUTE_SLOTS + 2) * MINUTE_MS;
const LIVE_SKETCH_BYTES = 1200;

export class Metrics {
  private readonly clock: () => number;
  private readonly relativeAccuracy: number;
  private readonly taskNames: KeyRegistry;
  private readonly workers: KeyRegistry;
  private readonly queues: KeyRegistry;
  private readonly overall = new ThroughputStore();
  private readonly byTask = new ThroughputStore();
  private readonly byWorker = new ThroughputStore();
  private readonly byQueue = new ThroughputStore();
  private readonly latencies: LatencyStore;
  private readonly gauges = new WorkerGauges();
  private minute = -Infinity;
  /** Events whose ingest failed (should stay 0). */
  errors = 0;

  constructor(options: MetricsOptions = {}) {
    this.clock = options.clock ?? Date.now;
    this.relativeAccuracy = options.relativeAccuracy ?? 0.01;
    this.taskNames = new KeyRegistry(options.maxTaskNames ?? 1000);
    this.workers = new KeyRegistry(options.maxWorkers ?? 500);
    this.queues = new KeyRegistry(options.maxQueues ?? 200);
    this.latencies = new LatencyStore({
      names: this.taskNames.cap + 1,
      relativeAccuracy: this.relativeAccuracy,
      budgetBytes: options.latencyBudgetBytes ?? 64 * 1024 * 1024,
    });
  }

  /** Any decoded event; worker events and task events are routed, custom events ignored. */
  onEvent(event: CeleryEvent, receivedAtMs: number, task?: TaskFacts | null): void {
    if (!event.known) return;
    if ('uuid' in event) this.onTaskEvent(event, receivedAtMs, task);
    else this.onWorkerEvent(event, receivedAtMs);
  }

  onTaskEvent(event: TaskEvent, receivedAtMs: number, task?: TaskFacts | null): void {
    try {
      const state = stateIndex(event.type);
      if (state < 0 || !(receivedAtMs >= 0)) return;
      const at = receivedAtMs;
      const minute = Math.floor(at / MINUTE_MS);
      if (minute > this.minute) this.maintain(minute, at);
      const second = Math.floor(at / SECOND_MS);
      // The record's strings first: the same string objects event after event, their hashes cached.
      let name = task ? task.name : null;
      let queue = task ? task.queue : null;
      if (event.type === 'task-sent') {
        name ??= event.name;
        queue ??= event.queue;
      } else if (event.type === 'task-received') {
        name ??= event.name;
      }
      this.overall.count(0, state, second, minute);
      let nameId = -1;
      if (name !== null) {
        nameId = this.taskNames.use(name, at);
        this.byTask.count(nameId, state, second, minute);
      }
      // task-sent comes from the producer, not from a worker.
      if (event.type !== 'task-sent') this.byWorker.count(this.workers.use(event.hostname, at), state, second, minute);
      if (queue !== null) this.byQueue.count(this.queues.use(queue, at), state, second, minute);

      switch (event.type) {
        case 'task-started':
          this.recordSince(WAIT, nameId, event.timestamp, task, minute);
          break;
        case 'task-succeeded':
          if (event.runtime !== null) this.latencies.record(RUNTIME, nameId, event.runtime, minute);
          this.recordSince(END_TO_END, nameId, event.timestamp, task, minute);
          break;
        case 'task-failed':
          this.recordSince(END_TO_END, nameId, event.timestamp, task, minute);
          break;
        default:
          break;
      }
    } catch {
      this.errors++;
    }
  }

  onWorkerEvent(event: WorkerEvent, receivedAtMs: number): void {
    try {
      if (!(receivedAtMs >= 0)) return;
      const minute = Math.floor(receivedAtMs / MINUTE_MS);
      if (minute > this.minute) this.maintain(minute, receivedAtMs);
      const id = this.workers.use(event.hostname, receivedAtMs);
      if (id === this.workers.otherId) return;
      this.gauges.set(id, minute, 'active', event.active);
      this.gauges.set(id, minute, 'processed', event.processed);
      this.gauges.set(id, minute, 'loadavg', event.loadavg?.[0]);
    } catch {
      this.errors++;
    }
  }

  /** Pool size and resident memory from `inspect stats` (pool.max-concurrency; rusage.maxrss is in kB on Linux). */
  recordWorkerStats(worker: string, stats: WorkerStats, atMs: number): void {
    try {
      if (!(atMs >= 0)) return;
      const minute = Math.floor(atMs / MINUTE_MS);
      if (minute > this.minute) this.maintain(minute, atMs);
      const id = this.workers.use(worker, atMs);
      if (id === this.workers.otherId) return;
      this.gauges.set(id, minute, 'poolSize', stats.poolSize);
      this.gauges.set(id, minute, 'rssBytes', stats.rssBytes);
    } catch {
      this.errors++;
    }
  }

  /** Counts per bucket of one series (key ignored for `all`); an unknown key reads as zeros. */
  series(dimension: Dimension, key: string, window: TimeWindow): CountPoint[] {
    const range = bucketRange(window, this.clock());
    const [store, id] = this.find(dimension, key);
    return store.points(id, range);
  }

  /** Counts of one series summed over a window. */
  totals(dimension: Dimension, key: string, window: TimeWindow): Counts {
    const range = bucketRange(window, this.clock());
    const [store, id] = this.find(dimension, key);
    return store.totals(id, range);
  }

  /** Distribution of one latency kind for one task name or overall (null), over a window of whole minutes. */
  latency(kind: LatencyKind, taskName: string | null, window: TimeWindow): LatencySummary {
    const sketch = this.latencySketch(kind, taskName, window);
    return sketch === null ? EMPTY_SUMMARY : summarize(sketch);
  }

  /** The merged sketch behind `latency` (null: no such series or no minute in the window), to merge with history's. */
  latencySketch(kind: LatencyKind, taskName: string | null, window: TimeWindow): DDSketch | null {
    const { series, first, last } = this.latencyRange(taskName, window);
    if (series < 0 || first > last) return null;
    const target = newSketch(this.relativeAccuracy);
    this.latencies.mergeRange(series, LATENCY_KINDS.indexOf(kind), first, last, target);
    return target;
  }

  /** One summary per minute of the window (empty minutes have count 0). */
  latencySeries(kind: LatencyKind, taskName: string | null, window: TimeWindow): LatencyPoint[] {
    const { series, first, last } = this.latencyRange(taskName, window);
    const sketches = series < 0 ? new Map<number, never>() : this.latencies.perMinute(series, LATENCY_KINDS.indexOf(kind), first, last);
    const points: LatencyPoint[] = [];
    for (let m = first; m <= last; m++) {
      const sketch = sketches.get(m);
      points.push({ t: m * MINUTE_MS, latency: sketch ? summarize(sketch) : EMPTY_SUMMARY });
    }
    return points;
  }

  /** Every task name's distribution of one kind over a window, in one pass. */
  latencyByTask(kind: LatencyKind, window: TimeWindow): Map<string, LatencySummary> {
    const out = new Map<string, LatencySummary>();
    for (const [key, sketch] of this.latencySketchesByTask(kind, window)) out.set(key, summarize(sketch));
    return out;
  }

  /** The merged sketches behind `latencyByTask`, by task name. */
  latencySketchesByTask(kind: LatencyKind, window: TimeWindow): Map<string, DDSketch> {
    const { first, last } = this.latencyRange(null, window);
    const out = new Map<string, DDSketch>();
    if (first > last) return out;
    for (const [series, sketch] of this.latencies.byName(LATENCY_KINDS.indexOf(kind), first, last)) {
      const key = this.taskNames.keyOf(series - 1);
      if (key !== null) out.set(key, sketch);
    }
    return out;
  }

  /** DDSketch relative accuracy of every sketch here (history's sketches are merged with them). */
  get accuracy(): number {
    return this.relativeAccuracy;
  }

  /** A worker's gauges per minute (null where nothing was received in that minute). */
  workerSeries(worker: string, window: TimeWindow): WorkerPoint[] {
    const range = bucketRange({ ...window, resolution: 'minute' }, this.clock());
    return this.gauges.points(this.workers.find(worker), range);
  }

  /** Keys that have a series (OTHER_KEY last, once used). */
  keys(dimension: Exclude<Dimension, 'all'>): string[] {
    return this.registry(dimension).list();
  }

  stats(): MetricsStats {
    const arena = this.latencies.arena;
    const oldest = arena.oldestTime;
    return {
      series: { all: this.overall.size, task: this.byTask.size, worker: this.byWorker.size, queue: this.byQueue.size },
      overflowEvents: { task: this.taskNames.overflowEvents, worker: this.workers.overflowEvents, queue: this.queues.overflowEvents },
      bytes: {
        counts: this.overall.bytes + this.byTask.bytes + this.byWorker.bytes + this.byQueue.bytes,
        gauges: this.gauges.bytes,
        sketches: arena.capacityBytes + this.latencies.liveCount * LIVE_SKETCH_BYTES,
        sketchesUsed: arena.usedBytes,
      },
      sketchesEvicted: arena.evicted,
      latencySince: oldest === null ? null : oldest * MINUTE_MS,
      errors: this.errors,
    };
  }

  private recordSince(kind: number, nameId: number, timestamp: number, task: TaskFacts | null | undefined, minute: number): void {
    if (!task || task.eta !== null) return;
    const origin = task.sent ?? task.received;
    if (origin !== null) this.latencies.record(kind, nameId, timestamp - origin, minute);
  }

  /** Once a minute: close the last minute's sketches and release keys idle for 24 h. O(keys). */
  private maintain(minute: number, at: number): void {
    this.minute = minute;
    this.latencies.roll(minute);
    const idleBefore = at - IDLE_MS;
    for (const id of this.taskNames.releaseIdle(idleBefore)) this.byTask.drop(id);
    for (const id of this.workers.releaseIdle(idleBefore)) {
      this.byWorker.drop(id);
      this.gauges.drop(id);
    }
    for (const id of this.queues.releaseIdle(idleBefore)) this.byQueue.drop(id);
  }

  private registry(dimension: Exclude<Dimension, 'all'>): KeyRegistry {
    return dimension === 'task' ? this.taskNames : dimension === 'worker' ? this.workers : this.queues;
  }

  private find(dimension: Dimension, key: string): [ThroughputStore, number] {
    if (dimension === 'all') return [this.overall, 0];
    const store = dimension === 'task' ? this.byTask : dimension === 'worker' ? this.byWorker : this.byQueue;
    return [store, this.registry(dimension).find(key)];
  }

  /** The latency series of a task name (-1 if unknown) or overall, and the window's minutes. */
  private latencyRange(taskName: string | null, window: TimeWindow): { series: number; first: number; last: number } {
    const { first, last } = bucketRange({ ...window, resolution: 'minute' }, this.clock());
    const id = taskName === null ? 0 : this.taskNames.find(taskName);
    return { series: taskName === null ? OVERALL_SERIES : id < 0 ? -1 : id + 1, first, last };
  }
}
