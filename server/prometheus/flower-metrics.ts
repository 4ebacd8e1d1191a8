/**
 * Flower's six Prometheus metrics (FLOWER-API.md §3.1) with Flower 2.1's names, types, labels and update
 * rules (mher/flower flower/events.py, EventsState.event), fed one applied event at a time:
 *
 *   flower_events_total{worker,type,task}                      +1 per task-* event, custom ones included
 *   flower_task_runtime_seconds{worker,task}                   histogram of a task event's non-zero `runtime`
 *   flower_task_prefetch_time_seconds{worker,task}             started − received on task-started; 0 on succeeded/failed
 *   flower_worker_prefetched_tasks{worker,task}                +1 on task-received, −1 on task-started
 *   flower_worker_online{worker}                               1 on worker-online and heartbeats, 0 on worker-offline
 *   flower_worker_number_of_currently_executing_tasks{worker}  a heartbeat's `active`
 *
 * The prefetch rules leave out tasks with an ETA and need the task's received and started times, which
 * its record has. `worker` is the event's hostname, so task-sent counts under the producer's node name
 * (`gen<pid>@host`) as in Flower; `task` is the event's name, else the record's, else ''. A series
 * appears when its rule first touches it, as prometheus_client's labelled children do.
 *
 * Cardinality. Flower has no bound: 200 workers × 500 task names can make 100 000 label pairs and two
 * million lines per scrape. Here:
 *   - at most `maxWorkers` worker labels (default 1000); further node names count as worker="(other)",
 *     which has no worker-level gauges;
 *   - at most the LabelIds cap of task names (default 1000); further names count as task="(other)";
 *   - at most `maxSeries` (worker, task) pairs (default 10 000); past it a worker's new task names count
 *     under task="(other)" of that worker, so that sums by worker stay right;
 *   - at most 32 custom task-* event types; further ones count as type="task-(other)".
 * Events folded that way are counted in `overflowEvents`.
 *
 * Forgetting, as Flower 2.1's --purge_offline_workers: `purge` drops every series of a worker the cluster
 * model has forgotten, and of a producer (a node seen only on task-sent) idle for `purgeAfterMs`.
 *
 * Layout: each pair's numbers are one row of a shared Float64Array (event counts by type, runtime
 * buckets, sum, the two gauges), found through the worker's Int32Array indexed by task-name id. The
 * hot path is a Map look-up for the worker and a few array reads and writes, with no allocation once
 * a series exists; it never throws (failures are counted in `errors`).
 */
import type { CeleryEvent } from '@/lib/celery';
import { OTHER_KEY } from '../metrics';
import { escapeLabelValue, type Exposition, formatBound } from './exposition';
import { LabelIds } from './label-ids';

/** prometheus_client's default buckets, which Flower's --task_runtime_metric_buckets defaults to. */
export const DEFAULT_RUNTIME_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

const TASK_EVENT_TYPES = [
  'task-sent', 'task-received', 'task-started', 'task-succeeded', 'task-failed',
  'task-retried', 'task-rejected', 'task-revoked', 'task-cancelled',
] as const;
const TYPES = TASK_EVENT_TYPES.length;
const SUCCEEDED = TASK_EVENT_TYPES.indexOf('task-succeeded');
const MAX_CUSTOM_TYPES = 32;
const OTHER_TYPE = 'task-(other)';

/** What the prefetch rules read from the task's record; sender timestamps in seconds. */
export interface PrefetchFacts {
  readonly name: string | null;
  readonly received: number | null;
  readonly started: number | null;
  readonly eta: string | null;
}

export interface FlowerMetricsOptions {
  readonly maxWorkers?: number;
  readonly maxSeries?: number;
  /** Upper bounds of the runtime histogram in seconds, ascending, without +Inf. */
  readonly runtimeBuckets?: readonly number[];
  /** Producers (nodes seen only on task-sent) idle this long are dropped by `purge`. Default 24 h. */
  readonly purgeAfterMs?: number;
}

interface Worker {
  readonly workerLabel: string;
  /** Pair id of each task-name id, −1 for none; grown on demand. */
  pairOf: Int32Array;
  /** Its pair ids, for scrapes and purges. */
  readonly pairs: number[];
  /** NaN until set: a gauge is exposed once a rule has set it. */
  online: number;
  executing: number;
  /** Sent anything but task-sent, so the cluster model knows it as a worker. */
  isWorker: boolean;
  lastSeenMs: number;
}

export interface FlowerMetricsStats {
  readonly workers: number;
  readonly series: number;
  readonly overflowEvents: number;
  /** The series' rows plus an estimate of the worker objects and label strings. */
  readonly approxBytes: number;
  readonly errors: number;
}

/** A worker's object, Map entry and array headers (measured ≈). */
const WORKER_BYTES = 400;

export class FlowerMetrics {
  readonly names: LabelIds;
  private readonly workers = new Map<string, Worker>();
  private readonly maxWorkers: number;
  private readonly maxSeries: number;
  private readonly purgeAfterMs: number;
  private readonly bounds: readonly number[];
  private readonly boundLabels: readonly string[];
  private readonly bucketAt = TYPES;
  private readonly sumAt: number;
  private readonly prefetchTimeAt: number;
  private readonly prefetchedAt: number;
  /** Numbers per pair. */
  private readonly width: number;
  private rows: Float64Array;
  /** Task-name id of each pair id (for its label); −1 when the id is free. */
  private nameOf: Int32Array;
  private readonly freeIds: number[] = [];
  private nextId = 0;
  private pairs = 0;
  /** Counts of custom task-* types by pair id (rare). */
  private readonly custom = new Map<number, Map<string, number>>();
  private readonly customTypes = new Set<string>();
  overflowEvents = 0;
  errors = 0;

  constructor(options: FlowerMetricsOptions = {}, names = new LabelIds(1000)) {
    this.names = names;
    this.maxWorkers = options.maxWorkers ?? 1000;
    this.maxSeries = options.maxSeries ?? 10_000;
    this.purgeAfterMs = options.purgeAfterMs ?? 86_400_000;
    this.bounds = options.runtimeBuckets ?? DEFAULT_RUNTIME_BUCKETS;
    this.boundLabels = [...this.bounds.map(formatBound), '+Inf'];
    this.sumAt = this.bucketAt + this.bounds.length + 1;
    this.prefetchTimeAt = this.sumAt + 1;
    this.prefetchedAt = this.prefetchTimeAt + 1;
    this.width = this.prefetchedAt + 1;
    this.rows = new Float64Array(64 * this.width);
    this.nameOf = new Int32Array(64).fill(-1);
  }

  /**
   * One applied event, with the task's record when it has one; `nowMs` is our receive time. `hostname`
   * is the event's, passed as the worker record's own string when there is one: the same string object
   * event after event keeps its hash cached for the Map look-up. Returns the task-name id used, or −1
   * for a worker event.
   */
  onEvent(event: CeleryEvent, task: PrefetchFacts | null, nowMs: number, hostname: string = event.hostname): number {
    try {
      const type = event.type;
      const node = typeof hostname === 'string' ? hostname : '';
      if (type.startsWith('task-')) return this.onTaskEvent(event, type, task, nowMs, node);
      if (event.known) this.onWorkerEvent(event, type, nowMs, node);
    } catch {
      this.errors++;
    }
    return -1;
  }

  private onTaskEvent(event: CeleryEvent, type: string, task: PrefetchFacts | null, nowMs: number, hostname: string): number {
    // Flower takes the event's name, else the record's. The record's is the same name once known (it
    // is merged from the event before this runs), and the same string object every time.
    const recordName = task !== null ? task.name : null;
    const name = recordName !== null && recordName !== '' ? recordName : 'name' in event && typeof event.name === 'string' ? event.name : '';
    const nameId = this.names.id(name);
    const worker = this.worker(hostname, nowMs);
    if (type !== 'task-sent') worker.isWorker = true;
    const row = this.pair(worker, nameId) * this.width;
    const rows = this.rows;
    const slot = typeIndex(type);
    if (slot >= 0) rows[row + slot] = (rows[row + slot] as number) + 1;
    else this.countCustom(row / this.width, type);

    // Flower observes any task event's `runtime`; Celery sends one on task-succeeded only.
    if (slot === SUCCEEDED && 'runtime' in event && typeof event.runtime === 'number' && event.runtime !== 0 && Number.isFinite(event.runtime)) {
      this.observe(row, event.runtime);
    }
    if (task === null || task.eta) return nameId;
    const { received, started } = task;
    const prefetched = row + this.prefetchedAt;
    if (type === 'task-received' && received) {
      rows[prefetched] = gaugeValue(rows[prefetched] as number) + 1;
    } else if (type === 'task-started' && started && received) {
      rows[row + this.prefetchTimeAt] = started - received;
      rows[prefetched] = gaugeValue(rows[prefetched] as number) - 1;
    } else if ((type === 'task-succeeded' || type === 'task-failed') && started && received) {
      rows[row + this.prefetchTimeAt] = 0;
    }
    return nameId;
  }

  private onWorkerEvent(event: CeleryEvent, type: string, nowMs: number, hostname: string): void {
    if (type !== 'worker-online' && type !== 'worker-heartbeat' && type !== 'worker-offline') return;
    const worker = this.worker(hostname, nowMs);
    worker.isWorker = true;
    if (worker.workerLabel === OTHER_LABEL) return;
    worker.online = type === 'worker-offline' ? 0 : 1;
    if (type === 'worker-heartbeat' && 'active' in event && typeof event.active === 'number') worker.executing = event.active;
  }

  private worker(hostname: string, nowMs: number): Worker {
    let worker = this.workers.get(hostname);
    if (worker === undefined) {
      if (hostname === OTHER_KEY || this.workers.size >= this.maxWorkers + (this.workers.has(OTHER_KEY) ? 1 : 0)) {
        if (hostname !== OTHER_KEY) this.overflowEvents++;
        worker = this.workers.get(OTHER_KEY) ?? this.addWorker(OTHER_KEY);
      } else {
        worker = this.addWorker(hostname);
      }
    }
    worker.lastSeenMs = nowMs;
    return worker;
  }

  private addWorker(hostname: string): Worker {
    const worker: Worker = {
      workerLabel: `worker="${escapeLabelValue(hostname)}"`, pairOf: new Int32Array(16).fill(-1), pairs: [],
      online: NaN, executing: NaN, isWorker: false, lastSeenMs: 0,
    };
    this.workers.set(hostname, worker);
    return worker;
  }

  /** The pair id of (worker, task-name id), made on first use; past maxSeries, the worker's OTHER pair. */
  private pair(worker: Worker, nameId: number): number {
    if (nameId < worker.pairOf.length) {
      const id = worker.pairOf[nameId] as number;
      if (id >= 0) return id;
    }
    if (this.pairs >= this.maxSeries && nameId !== this.names.otherId) {
      this.overflowEvents++;
      return this.pair(worker, this.names.otherId);
    }
    if (nameId >= worker.pairOf.length) {
      let length = worker.pairOf.length;
      while (length <= nameId) length *= 2;
      const grown = new Int32Array(length).fill(-1);
      grown.set(worker.pairOf);
      worker.pairOf = grown;
    }
    const id = this.newPairId();
    this.nameOf[id] = nameId;
    worker.pairOf[nameId] = id;
    worker.pairs.push(id);
    this.pairs++;
    return id;
  }

  private newPairId(): number {
    const id = this.freeIds.pop() ?? this.nextId++;
    if ((id + 1) * this.width > this.rows.length) {
      const rows = new Float64Array(this.rows.length * 2);
      rows.set(this.rows);
      this.rows = rows;
      const nameOf = new Int32Array(this.nameOf.length * 2).fill(-1);
      nameOf.set(this.nameOf);
      this.nameOf = nameOf;
    }
    const row = id * this.width;
    this.rows.fill(0, row, row + this.width);
    this.rows[row + this.prefetchTimeAt] = NaN;
    this.rows[row + this.prefetchedAt] = NaN;
    return id;
  }

  private countCustom(id: number, type: string): void {
    if (!this.customTypes.has(type)) {
      if (this.customTypes.size >= MAX_CUSTOM_TYPES) {
        this.overflowEvents++;
        type = OTHER_TYPE;
      } else {
        this.customTypes.add(type);
      }
    }
    let counts = this.custom.get(id);
    if (counts === undefined) this.custom.set(id, (counts = new Map()));
    counts.set(type, (counts.get(type) ?? 0) + 1);
  }

  private observe(row: number, runtime: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && runtime > (bounds[i] as number)) i++;
    const rows = this.rows;
    rows[row + this.bucketAt + i] = (rows[row + this.bucketAt + i] as number) + 1;
    rows[row + this.sumAt] = (rows[row + this.sumAt] as number) + runtime;
  }

  /**
   * Drops the series of workers the model no longer knows (`knownWorker` false) and of producers idle
   * for purgeAfterMs. O(workers); returns how many nodes were dropped.
   */
  purge(knownWorker: (hostname: string) => boolean, nowMs: number): number {
    let dropped = 0;
    for (const [hostname, worker] of this.workers) {
      if (hostname === OTHER_KEY) continue;
      const forgotten = worker.isWorker ? !knownWorker(hostname) : nowMs - worker.lastSeenMs > this.purgeAfterMs;
      if (!forgotten) continue;
      for (const id of worker.pairs) {
        this.nameOf[id] = -1;
        this.custom.delete(id);
        this.freeIds.push(id);
      }
      this.pairs -= worker.pairs.length;
      this.workers.delete(hostname);
      dropped++;
    }
    return dropped;
  }

  stats(): FlowerMetricsStats {
    let workerBytes = 0;
    for (const worker of this.workers.values()) workerBytes += WORKER_BYTES + worker.pairOf.byteLength + worker.pairs.length * 8 + worker.workerLabel.length;
    return {
      workers: this.workers.size,
      series: this.pairs,
      overflowEvents: this.overflowEvents,
      approxBytes: this.rows.byteLength + this.nameOf.byteLength + workerBytes + this.custom.size * 200,
      errors: this.errors,
    };
  }

  /** Flower's six families, in Flower's order, HELP and TYPE included even when they have no series yet. */
  write(out: Exposition): void {
    const rows = this.rows;
    out.family('flower_events_total', 'counter', 'Number of events');
    this.forEachPair((worker, task, id, row) => {
      for (let t = 0; t < TYPES; t++) {
        const count = rows[row + t] as number;
        if (count > 0) out.sample('flower_events_total', `${worker},type="${TASK_EVENT_TYPES[t] as string}",${task}`, count);
      }
      const custom = this.custom.get(id);
      if (custom) for (const [type, count] of custom) out.sample('flower_events_total', `${worker},type="${escapeLabelValue(type)}",${task}`, count);
    });
    out.family('flower_task_runtime_seconds', 'histogram', 'Task runtime');
    const buckets = this.bounds.length + 1;
    this.forEachPair((worker, task, _, row) => {
      const counts = rows.subarray(row + this.bucketAt, row + this.bucketAt + buckets);
      if (counts.some((n) => n > 0)) out.histogram('flower_task_runtime_seconds', `${worker},${task}`, this.boundLabels, counts, rows[row + this.sumAt] as number);
    });
    this.writePairGauge(out, 'flower_task_prefetch_time_seconds', 'The time the task spent waiting at the celery worker to be executed.', this.prefetchTimeAt);
    this.writePairGauge(out, 'flower_worker_prefetched_tasks', 'Number of tasks of given type prefetched at a worker', this.prefetchedAt);
    out.family('flower_worker_online', 'gauge', 'Worker online status');
    for (const worker of this.workers.values()) if (!Number.isNaN(worker.online)) out.sample('flower_worker_online', worker.workerLabel, worker.online);
    out.family('flower_worker_number_of_currently_executing_tasks', 'gauge', 'Number of tasks currently executing at a worker');
    for (const worker of this.workers.values()) {
      if (!Number.isNaN(worker.executing)) out.sample('flower_worker_number_of_currently_executing_tasks', worker.workerLabel, worker.executing);
    }
  }

  private writePairGauge(out: Exposition, name: string, help: string, at: number): void {
    out.family(name, 'gauge', help);
    this.forEachPair((worker, task, _, row) => {
      const value = this.rows[row + at] as number;
      if (!Number.isNaN(value)) out.sample(name, `${worker},${task}`, value);
    });
  }

  /** Visits every pair with its `worker="…"` and `task="…"` label texts, its id and its row offset. */
  private forEachPair(visit: (worker: string, task: string, id: number, row: number) => void): void {
    for (const worker of this.workers.values()) {
      for (const id of worker.pairs) visit(worker.workerLabel, `task="${this.names.escapedValue(this.nameOf[id] as number)}"`, id, id * this.width);
    }
  }
}

const OTHER_LABEL = `worker="${OTHER_KEY}"`;

function gaugeValue(value: number): number {
  return Number.isNaN(value) ? 0 : value;
}

function typeIndex(type: string): number {
  switch (type) {
    case 'task-sent': return 0;
    case 'task-received': return 1;
    case 'task-started': return 2;
    case 'task-succeeded': return 3;
    case 'task-failed': return 4;
    case 'task-retried': return 5;
    case 'task-rejected': return 6;
    case 'task-revoked': return 7;
    case 'task-cancelled': return 8;
    default: return -1;
  }
}
