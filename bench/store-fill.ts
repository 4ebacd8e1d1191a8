/**
 * Tasks for the `store` benchmark's history, written through the real write path: each task's Celery
 * events (as JSON, decoded by lib/celery as the collector decodes them) applied to a TaskRecord as the
 * model applies them, its row made by taskRow and its events' rows by eventRow, batches handed to the
 * history's `write` (SqliteHistory's writer thread, or PostgresHistory's writer connection).
 *
 * The mix: 200 task names, 50 workers, 8 queues; 90 % succeed, 5 % fail with a traceback, 1.5 % are
 * retried once and then succeed, 1.5 % are revoked, 1 % wait in RETRY, 1 % are lost in flight (their
 * worker went offline); the producer's task-sent for one task in two, so 3–4 events a task; one task in
 * five the child of an earlier one; args, kwargs and results like event-stream.ts makes (args up to 200
 * characters, a rare word in exactly 0.1 % of them); receipt times spread over the 30 days before now,
 * in arrival order.
 */
import { emptyBatch } from '@/server/history/write-batch';
import { randomUUID } from 'node:crypto';
import { decodeEventBody, type JsonObject, type TaskEvent } from '@/lib/celery';
import type { HistoryBackend } from '@/server/history/history-backend';
import { type EventRow, eventColumnsOf, eventRow } from '@/server/history/event-row';
import { type TaskRow, taskRow } from '@/server/history/task-row';
import type { WriteBatch } from '@/server/history/write-batch';
import { logNormal, seeded } from '@/server/metrics/test-random';
import { TaskRecord } from '@/server/state/task-record';
import { argsRepr } from '@/test/fixtures/args-repr';
import { queueName, taskName, workerName } from './event-stream';

export const FILL_DAYS = 30;
const NAMES = 200;
const WORKERS = 50;
const QUEUES = 8;
/** Event ids as a first run of Pollen numbers them (write-behind.ts: run × 2^32 + a counter). */
const FIRST_EVENT_ID = 2 ** 32;

/** One task's writes: its row after each event (the last is the task as it ends) and its events' rows. */
export interface TaskWrites {
  readonly rows: TaskRow[];
  readonly events: EventRow[];
}

export class TaskFactory {
  private readonly rnd = seeded(18);
  private nextEventId = FIRST_EVENT_ID;
  private readonly ids: string[] = [];
  /** Ids of a few old tasks (the first half of the fill), for reading a task that memory does not hold. */
  readonly oldIds: string[] = [];

  /** `total` tasks received over the FILL_DAYS before `endAt` (Unix seconds). */
  constructor(private readonly total: number, private readonly endAt: number) {}

  /** When task `k` was received: spread evenly over the fill, later ones (past `total`) now. */
  receivedAt(k: number): number {
    return k < this.total ? this.endAt - FILL_DAYS * 86_400 * (1 - k / this.total) : Date.now() / 1000;
  }

  /**
   * Task number `k` (its arrival number is k + 1). With `everyStage` its row after each event, as the
   * write-behind writes a task noted in several flushes; otherwise only its last.
   */
  make(k: number, everyStage: boolean): TaskWrites {
    const rnd = this.rnd;
    const uuid = randomUUID();
    // The parent of one task in five: a task seven earlier, kept in a ring as the only ids remembered.
    const parentId = k % 5 === 1 && k >= 8 ? (this.ids[(k - 7) % 64] ?? null) : null;
    this.ids[k % 64] = uuid;
    if (k < this.total / 2 && k % Math.max(1, Math.floor(this.total / 200)) === 3) this.oldIds.push(uuid);
    const nameIndex = Math.floor(rnd() * NAMES);
    const name = taskName(nameIndex);
    const worker = k % WORKERS;
    const hostname = workerName(worker);
    const queue = queueName(nameIndex % QUEUES);
    const t = this.receivedAt(k);
    const args = argsRepr(k, 200, rnd);
    const kwargs = `{'priority': ${k % 10}, 'locale': 'en_US'}`;
    const common = { hostname, utcoffset: 0, pid: 1000 + worker, clock: k * 4 };
    const received = (at: number, retries: number): JsonObject => ({ ...common, uuid, name, args, kwargs, root_id: parentId ?? uuid, parent_id: parentId, retries, eta: null, expires: null, timestamp: at, type: 'task-received' });
    const started = (at: number): JsonObject => ({ ...common, uuid, timestamp: at, type: 'task-started' });
    const runtime = Math.round(logNormal(rnd, -3, 1.5) * 1e6) / 1e6;
    const succeeded = (at: number): JsonObject => ({ ...common, uuid, result: `{'status': 'done', 'id': ${k}}`, runtime, timestamp: at + runtime, type: 'task-succeeded' });
    const exception = `ValueError('invalid literal for int() with base 10: ${k % 9973}')`;
    const traceback = `Traceback (most recent call last):\n  File "/srv/app/${name.replace(/\./g, '/')}.py", line ${k % 400}, in run\n    raise ${exception}\nValueError: invalid literal\n`;
    const failure = (type: string, at: number): JsonObject => ({ ...common, uuid, exception, traceback, timestamp: at, type });
    const events: JsonObject[] = [];
    if (k % 2 === 0) {
      events.push({ hostname: 'gen1234@producer-1', utcoffset: 0, pid: 42, clock: k * 4, uuid, name, args, kwargs, retries: 0, eta: null, expires: null, queue, exchange: '', routing_key: queue, root_id: parentId ?? uuid, parent_id: parentId, timestamp: t - 0.004, type: 'task-sent' });
    }
    const r = rnd();
    let lost = false;
    if (r < 0.9) events.push(received(t, 0), started(t + 0.002), succeeded(t + 0.002));
    else if (r < 0.95) events.push(received(t, 0), started(t + 0.002), failure('task-failed', t + 0.002 + runtime));
    else if (r < 0.965) events.push(received(t, 0), started(t + 0.002), failure('task-retried', t + 0.002 + runtime), received(t + 3, 1), started(t + 3.002), succeeded(t + 3.002));
    else if (r < 0.98) events.push(received(t, 0), { ...common, uuid, terminated: false, signum: null, expired: false, timestamp: t + 0.5, type: 'task-revoked' });
    else if (r < 0.99) events.push(received(t, 0), started(t + 0.002), failure('task-retried', t + 0.002 + runtime));
    else {
      events.push(received(t, 0), started(t + 0.002));
      lost = true;
    }
    const task = new TaskRecord(uuid);
    task.seq = k + 1;
    const rows: TaskRow[] = [];
    const eventRows: EventRow[] = [];
    const decoded = decodeEventBody(events).events as TaskEvent[];
    decoded.forEach((event, i) => {
      task.apply(event);
      const receivedAt = event.timestamp + 0.001;
      task.noteReceipt(event.timestamp, receivedAt);
      if (lost && i === decoded.length - 1) task.lost = true;
      eventRows.push(eventRow(event, task.seq, this.nextEventId++, receivedAt));
      if (everyStage || i === decoded.length - 1) rows.push(taskRow(task));
    });
    return { rows, events: eventRows };
  }
}

export interface FillResult {
  readonly tasks: number;
  readonly taskRows: number;
  readonly eventRows: number;
  readonly seconds: number;
  /** Seconds the event loop spent making rows (the rest of the time it waited for the writer). */
  readonly makingSeconds: number;
}

/**
 * Writes `total` tasks (their last rows and every event) into `history` in batches of `batchTasks`,
 * making the next batch while the last one is being written. Prints progress every `progressEvery` tasks.
 */
export async function bulkFill(history: HistoryBackend, factory: TaskFactory, total: number, batchTasks: number, progressEvery: number): Promise<FillResult> {
  const started = performance.now();
  let makingMs = 0;
  let taskRows = 0;
  let eventRows = 0;
  let writing: Promise<void> = Promise.resolve();
  for (let k = 0; k < total; ) {
    const made = performance.now();
    const tasks: TaskRow[] = [];
    const events: EventRow[] = [];
    const first = k;
    const end = Math.min(total, k + batchTasks);
    for (; k < end; k++) {
      const task = factory.make(k, false);
      for (const row of task.rows) tasks.push(row);
      for (const row of task.events) events.push(row);
    }
    const batch: WriteBatch = { ...emptyBatch(), tasks, events: eventColumnsOf(events) };
    makingMs += performance.now() - made;
    await writing;
    // The rows counted so far are the batches before this one, all written now.
    if (first > 0 && Math.floor(first / progressEvery) !== Math.floor((first - batchTasks) / progressEvery)) {
      const s = (performance.now() - started) / 1000;
      console.log(`  ${first.toLocaleString('en-US')} tasks written in ${s.toFixed(0)} s (${Math.round((taskRows + eventRows) / s).toLocaleString('en-US')} rows/s so far)`);
    }
    taskRows += batch.tasks.length;
    eventRows += batch.events.n;
    writing = history.write(batch);
  }
  await writing;
  return { tasks: total, taskRows, eventRows, seconds: (performance.now() - started) / 1000, makingSeconds: makingMs / 1000 };
}

/**
 * The write-behind's load on a live cluster, sustained: every `intervalMs` one batch holding
 * `tasksPerBatch` task rows (a third new tasks, the rest tasks from the two batches before, whose later
 * events came since) and their events, for `seconds`. Tasks are numbered from `firstK`. Says the rows/s
 * written and how long the batches took (a batch longer than the interval means the writes fall behind).
 */
export async function sustainedWrites(history: HistoryBackend, factory: TaskFactory, firstK: number, tasksPerBatch: number, intervalMs: number, seconds: number): Promise<string> {
  const perStage = Math.ceil(tasksPerBatch / 3);
  // Tasks whose later rows are still to come, oldest first, with the thirds of them written so far.
  let inFlight: { task: TaskWrites; stage: number }[] = [];
  const times: number[] = [];
  let rows = 0;
  let k = firstK;
  const started = performance.now();
  let lateMs = 0;
  while (performance.now() - started < seconds * 1000) {
    const due = performance.now() + intervalMs;
    const tasks: TaskRow[] = [];
    const events: EventRow[] = [];
    for (let i = 0; i < perStage; i++) inFlight.push({ task: factory.make(k++, true), stage: 0 });
    // Each task's rows and events go a third at a time: new, then twice more as its later events come.
    for (const pending of inFlight) {
      const { task, stage } = pending;
      const rowAt = Math.max(0, Math.floor(((stage + 1) * task.rows.length) / 3) - 1);
      tasks.push(task.rows[rowAt] as TaskRow);
      for (const row of task.events.slice(Math.floor((stage * task.events.length) / 3), Math.floor(((stage + 1) * task.events.length) / 3))) events.push(row);
      pending.stage = stage + 1;
    }
    inFlight = inFlight.filter((pending) => pending.stage < 3);
    const batch: WriteBatch = { ...emptyBatch(), tasks, events: eventColumnsOf(events) };
    const writeStarted = performance.now();
    await history.write(batch);
    const took = performance.now() - writeStarted;
    times.push(took);
    rows += batch.tasks.length + batch.events.n;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    else lateMs -= wait;
  }
  const wall = (performance.now() - started) / 1000;
  const sorted = [...times].sort((a, b) => a - b);
  const at = (p: number) => (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0).toFixed(0);
  return (
    `${times.length} batches of ${perStage * 3} task rows (+ their events) in ${wall.toFixed(1)} s: ${Math.round(rows / wall).toLocaleString('en-US')} rows/s sustained, ` +
    `${Math.round(((k - firstK) / wall)).toLocaleString('en-US')} new tasks/s; a batch took p50 ${at(50)} ms, p95 ${at(95)} ms, max ${at(100)} ms against its ${intervalMs} ms` +
    (lateMs > 0 ? `; behind the schedule by ${(lateMs / 1000).toFixed(1)} s in all` : '; never behind the schedule')
  );
}
