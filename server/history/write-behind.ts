/**
 * Writes the live model's changes to history behind it, never in its way. Ingest only notes what
 * changed (a task or a worker: a Set add; an event: its row's columns, event-row.ts); every `intervalMs`
 * the notes become one batch of rows, written in one transaction off the event loop. Several events of one task
 * between flushes are one row write; every event is one small row of the task's timeline.
 *
 * When history is slow the notes pile up, and are written in slices of at most MAX_FLUSH_TASKS tasks and
 * MAX_FLUSH_EVENTS events, one after the other. Past `maxPendingEvents` history is lagging: event rows are
 * dropped (counted) so memory stays bounded, and tasks and workers keep being written. When a write
 * fails (a full disk, PostgreSQL gone) what it held is kept and tried again with a backoff, so writing
 * resumes by itself and nothing already noted is lost while the bounds hold.
 */
import { hostname } from 'node:os';
import type { CeleryEvent } from '@/lib/celery';
import type { Logger } from '@/lib/runtime/logger';
import type { TaskRecord } from '../state/task-record';
import type { WorkerRecord } from '../state/worker-record';
import { type EventColumns, EventColumnsBuilder, emptyEventColumns } from './event-row';
import type { HistoryBackend } from './history-backend';
import { taskRow } from './task-row';
import { workerRow } from './worker-row';
import type { PruneRow, QueueLengthRow, RollupRow, RunRow, WorkerPeriodRow, WriteBatch } from './write-batch';

/**
 * The most one flush writes. Its rows are built and handed to the writer on the event loop, in one go: a
 * backlog written whole stalled ingest for as long as a second (Redis then drops the subscriber), while a
 * slice costs some tens of milliseconds, and the next follows as soon as it is written.
 */
export const MAX_FLUSH_TASKS = 5_000;
export const MAX_FLUSH_EVENTS = 20_000;

export interface WriteBehindOptions {
  readonly intervalMs: number;
  /** Events noted and not yet written past which history is lagging and event rows are dropped. */
  readonly maxPendingEvents: number;
  /** Tasks noted and not yet written past which the oldest noted is dropped (counted). */
  readonly maxPendingTasks: number;
  /** Unix seconds. */
  readonly now: () => number;
  readonly log: Pick<Logger, 'warn' | 'info'>;
}

/** How history writing goes, for /api/v1/health, the metrics and the page banner. */
export interface HistoryWriting {
  readonly where: string;
  /** writing: keeping up; lagging: behind its bound (rows dropped); failing: the last write failed. */
  readonly state: 'writing' | 'lagging' | 'failing';
  readonly error: string | null;
  readonly pendingTasks: number;
  readonly pendingEvents: number;
  readonly droppedEvents: number;
  readonly droppedTasks: number;
  readonly writtenTasks: number;
  readonly writtenEvents: number;
  /** Unix seconds of the last successful write. */
  readonly lastWriteAt: number | null;
  /** Unix seconds since which `state` holds. */
  readonly since: number;
}

/** What is written besides the live model's changes, noted once a minute (server/rollups). */
export interface MetricRows {
  readonly rollupMinutes?: readonly RollupRow[];
  readonly rollupHours?: readonly RollupRow[];
  readonly queueLengths?: readonly QueueLengthRow[];
  readonly workerPeriods?: readonly WorkerPeriodRow[];
  readonly prune?: PruneRow;
}

/** Noted metric rows by key: a bucket noted again (the hour, each minute) is written once, as last noted. */
class PendingMetricRows {
  minutes = new Map<string, RollupRow>();
  hours = new Map<string, RollupRow>();
  queues = new Map<string, QueueLengthRow>();
  periods: WorkerPeriodRow[] = [];
  prune: PruneRow | null = null;

  get empty(): boolean {
    return this.minutes.size + this.hours.size + this.queues.size + this.periods.length === 0 && this.prune === null;
  }

  add(rows: MetricRows): void {
    for (const row of rows.rollupMinutes ?? []) this.minutes.set(`${row[0]}\0${row[1]}`, row);
    for (const row of rows.rollupHours ?? []) this.hours.set(`${row[0]}\0${row[1]}`, row);
    for (const row of rows.queueLengths ?? []) this.queues.set(`${row[0]}\0${row[1]}`, row);
    this.periods.push(...(rows.workerPeriods ?? []));
    this.prune = rows.prune ?? this.prune;
  }
}

/** Events noted and not yet written, up to a slice's worth, each with the task whose row goes with it. */
interface NotedEvents {
  readonly rows: EventColumnsBuilder | EventColumns;
  readonly tasks: TaskRecord[];
}

/** Event ids are this run's number times 2^32 plus a counter: unique across runs without reading a maximum. */
const EVENT_ID_RUN = 2 ** 32;
const BACKOFF_MAX_MS = 10_000;

export class WriteBehind {
  private tasks = new Set<TaskRecord>();
  /**
   * Events in slices of at most MAX_FLUSH_EVENTS, oldest first: a slice is written whole, so a backlog
   * costs each flush one slice, not a copy of what is left. A failed write's slice goes back in front.
   */
  private readonly noted: NotedEvents[] = [];
  private pendingEvents = 0;
  private workers = new Set<WorkerRecord>();
  private metricRows = new PendingMetricRows();
  /** Workers online as last written: hostname → online_from (Unix seconds) of the period not yet closed. */
  private readonly onlineFrom = new Map<string, number>();
  private nextEventId: number;
  private readonly run: RunRow;
  private flushing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private failures = 0;
  private retryAt = 0;
  private error: string | null = null;
  private lagging = false;
  private dropped = { events: 0, tasks: 0 };
  private written = { tasks: 0, events: 0 };
  private lastWriteAt: number | null = null;
  private stateNow: HistoryWriting['state'] = 'writing';
  private stateSince: number;

  constructor(
    private readonly backend: HistoryBackend,
    runId: number,
    private readonly options: WriteBehindOptions,
  ) {
    this.nextEventId = runId * EVENT_ID_RUN;
    const now = options.now();
    this.stateSince = now;
    this.run = [runId, now, now, process.pid, hostname()];
  }

  /** This run of Pollen on the history: its number and when it started (Unix seconds). */
  get thisRun(): { readonly id: number; readonly startedAt: number } {
    return { id: this.run[0], startedAt: this.run[1] };
  }

  /** A task changed with this event (null: a state learnt without its event), received at `receivedAt`. */
  taskEvent(task: TaskRecord, event: CeleryEvent | null, receivedAt: number | null): void {
    this.taskChanged(task);
    if (event === null) return;
    if (this.pendingEvents >= this.options.maxPendingEvents) {
      this.dropped.events++;
      this.lagging = true;
      return;
    }
    let last = this.noted[this.noted.length - 1];
    if (last === undefined || !(last.rows instanceof EventColumnsBuilder) || last.rows.full) {
      last = { rows: new EventColumnsBuilder(MAX_FLUSH_EVENTS), tasks: [] };
      this.noted.push(last);
    }
    (last.rows as EventColumnsBuilder).add(event, Math.abs(task.seq), this.nextEventId++, receivedAt);
    last.tasks.push(task);
    this.pendingEvents++;
  }

  /** A task changed without an event of its own (marked lost with its worker). */
  taskChanged(task: TaskRecord): void {
    const tasks = this.tasks;
    if (tasks.size >= this.options.maxPendingTasks && !tasks.has(task)) {
      for (const oldest of tasks) {
        tasks.delete(oldest);
        break;
      }
      this.dropped.tasks++;
      this.lagging = true;
    }
    tasks.add(task);
  }

  workerChanged(worker: WorkerRecord): void {
    this.workers.add(worker);
  }

  /** Rows to write with the next flush (rollups, queue lengths, periods closed at start, pruning). */
  noteMetricRows(rows: MetricRows): void {
    this.metricRows.add(rows);
  }

  /**
   * A worker's online period opened or closed since the last flush, told from its record at flush time
   * (not per event): online while `offlineSince` is null.
   */
  private workerPeriods(workers: Iterable<WorkerRecord>): WorkerPeriodRow[] {
    const rows: WorkerPeriodRow[] = [];
    for (const worker of workers) {
      const from = this.onlineFrom.get(worker.hostname);
      if (worker.offlineSince === null && from === undefined) {
        this.onlineFrom.set(worker.hostname, worker.lastReceived);
        rows.push([worker.hostname, worker.lastReceived, null]);
      } else if (worker.offlineSince !== null && from !== undefined) {
        this.onlineFrom.delete(worker.hostname);
        rows.push([worker.hostname, from, worker.offlineSince]);
      }
    }
    return rows;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Tasks or events noted and not yet written (a slice's worth or more). */
  private get backlog(): boolean {
    return this.tasks.size > 0 || this.pendingEvents > 0;
  }

  /** Writes what is noted now; resolves when written (or when the write failed: see status). */
  flush(): Promise<void> {
    if (this.flushing !== null) return this.flushing;
    if (this.failures > 0 && Date.now() < this.retryAt) return Promise.resolve();
    if (!this.backlog && this.workers.size === 0 && this.metricRows.empty && this.lastWriteAt !== null) {
      // Nothing new: the run's row still says when Pollen was last listening, once a second at most.
      if (this.options.now() - this.run[2] < 1) return Promise.resolve();
    }
    this.flushing = this.write().finally(() => {
      this.flushing = null;
      // A backlog is written slice after slice, each as soon as the one before is.
      if (this.failures === 0 && this.backlog && this.timer !== null) setImmediate(() => void this.flush());
    });
    return this.flushing;
  }

  private async write(): Promise<void> {
    // The oldest notes first: the oldest slice of events (a failed write's, or the first noted), each
    // with its task, whose row must be written with them; then other tasks, up to the slice's bounds.
    const slice = this.noted.shift();
    const events = slice === undefined ? null : slice.rows instanceof EventColumnsBuilder ? slice.rows.columns() : slice.rows;
    const tasks = new Set<TaskRecord>();
    for (const task of slice?.tasks ?? []) if (this.tasks.delete(task)) tasks.add(task);
    for (const task of this.tasks) {
      if (tasks.size >= MAX_FLUSH_TASKS) break;
      tasks.add(task);
    }
    for (const task of tasks) this.tasks.delete(task);
    const workers = this.workers;
    this.workers = new Set();
    const now = this.options.now();
    this.run[2] = now;
    const metric = this.metricRows;
    this.metricRows = new PendingMetricRows();
    metric.periods.push(...this.workerPeriods(workers));
    const batch: WriteBatch = {
      tasks: [...tasks].map(taskRow),
      events: events ?? emptyEventColumns(),
      workers: [...workers].map(workerRow),
      run: [...this.run],
      rollupMinutes: [...metric.minutes.values()],
      rollupHours: [...metric.hours.values()],
      workerPeriods: metric.periods,
      queueLengths: [...metric.queues.values()],
      prune: metric.prune,
    };
    try {
      await this.backend.write(batch);
      this.written.tasks += batch.tasks.length;
      this.written.events += events?.n ?? 0;
      this.pendingEvents -= events?.n ?? 0;
      this.lastWriteAt = now;
      if (this.failures > 0) this.options.log.info({ where: this.backend.where, after: this.failures }, 'history is being written again');
      this.failures = 0;
      this.error = null;
      if (this.pendingEvents + this.tasks.size < this.options.maxPendingEvents / 2) this.lagging = false;
    } catch (err) {
      // Kept for the next write: the records (written as they are then) and the event rows built.
      for (const task of tasks) this.taskChanged(task);
      for (const worker of workers) this.workers.add(worker);
      // Noted since go after these (a bucket noted again wins); the periods told are kept as rows.
      const later = this.metricRows;
      this.metricRows = metric;
      metric.add({ rollupMinutes: [...later.minutes.values()], rollupHours: [...later.hours.values()], queueLengths: [...later.queues.values()], workerPeriods: later.periods, ...(later.prune && { prune: later.prune }) });
      // The slice's rows as built (their ids kept), first again; noting counted them, so the bound holds.
      if (slice !== undefined && events !== null) this.noted.unshift({ rows: events, tasks: slice.tasks });
      this.failures++;
      this.retryAt = Date.now() + Math.min(BACKOFF_MAX_MS, this.options.intervalMs * 2 ** Math.min(this.failures, 6));
      const message = err instanceof Error ? err.message : String(err);
      if (this.error !== message || this.failures === 1) this.options.log.warn({ where: this.backend.where, err: message, code: (err as { code?: unknown }).code }, 'history is not being written; the live view goes on, and writing resumes by itself');
      this.error = message;
    }
  }

  status(): HistoryWriting {
    const state = this.error !== null ? 'failing' : this.lagging ? 'lagging' : 'writing';
    if (state !== this.stateNow) {
      this.stateNow = state;
      this.stateSince = this.options.now();
    }
    return {
      where: this.backend.where,
      state,
      since: this.stateSince,
      error: this.error,
      pendingTasks: this.tasks.size,
      pendingEvents: this.pendingEvents,
      droppedEvents: this.dropped.events,
      droppedTasks: this.dropped.tasks,
      writtenTasks: this.written.tasks,
      writtenEvents: this.written.events,
      lastWriteAt: this.lastWriteAt,
    };
  }

  /** Stops the timer and writes what is left (one last try, in slices). */
  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.flushing;
    this.failures = 0;
    // Slice after slice, until all is written or a write fails (the one last try).
    do await this.flush();
    while (this.failures === 0 && this.backlog);
  }
}
