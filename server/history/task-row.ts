/**
 * A task as history stores it: one row of the `tasks` table, the same columns in SQLite and PostgreSQL.
 * What a filter or a sort reads has its own column (so it can be indexed); the text search reads the
 * text columns; everything else rides in `doc`, one JSON text, read back only when the task is shown.
 *
 * Rows travel from the event loop to the writer as flat arrays in TASK_COLUMNS order: cheaper to build
 * and to pass to a worker thread than objects.
 */
import type { JsonObject } from '@/lib/celery';
import { sortTime } from '../state/clock-skew';
import { orderValue } from '../state/order-value';
import { retryOf } from '../state/task-links';
import { type RetryAttempt, type Settlement, TaskRecord } from '../state/task-record';

export const TASK_COLUMNS = [
  'seq', 'uuid', 'state', 'name', 'worker', 'queue',
  // The task's own times, what filters read (task-filter.ts: no stand-in).
  'received', 'started',
  // What the sorts read (order-value.ts: a suspect clock's times capped); `timestamp`, Flower's default
  // sort, is the state's time capped the same way.
  'o_received', 'o_started', 'o_succeeded', 'runtime', 'timestamp',
  'lost', 'parent_id', 'root_id', 'retry_of',
  'args', 'kwargs', 'result', 'exception', 'traceback',
  'doc',
] as const;

export type TaskColumn = (typeof TASK_COLUMNS)[number];

/**
 * Columns a late event of an evicted task must not blank out: its new record knows less than the row it
 * had, so both histories' writers keep the row's value where the new record has none.
 */
export const KEPT_WHEN_RETURNING: ReadonlySet<TaskColumn> = new Set(['name', 'worker', 'queue', 'received', 'started', 'o_received', 'o_started', 'o_succeeded', 'runtime', 'parent_id', 'root_id', 'retry_of', 'args', 'kwargs', 'result', 'exception', 'traceback']);
export type TaskRow = (string | number | null)[];
/** A row read back, by column name. */
export type TaskRowObject = Readonly<Record<TaskColumn, unknown>>;

/** Fields without a column of their own. */
interface TaskDoc {
  sender?: string;
  retries?: number;
  eta?: string;
  expires?: string;
  exchange?: string;
  routingKey?: string;
  clock?: number;
  sent?: number;
  succeeded?: number;
  failed?: number;
  retried?: number;
  revoked?: number;
  rejected?: number;
  terminated?: true;
  signum?: number;
  expired?: true;
  requeue?: true;
  retryHistory?: RetryAttempt[];
  settled?: Settlement;
  extra?: JsonObject;
  clockSkew?: number;
  lastReceivedAt?: number;
  /** The runtime column was worked out from started and failed: the task itself has no runtime. */
  derivedRuntime?: true;
  /** The state's sender timestamp, when the column holds it capped (a suspect clock, clock-skew.ts). */
  timestamp?: number;
}

/** Nulls and defaults are left out: most tasks' doc is a few fields. */
function docOf(task: TaskRecord): string {
  const doc: TaskDoc = {};
  if (task.sender !== null) doc.sender = task.sender;
  if (task.retries !== 0) doc.retries = task.retries;
  if (task.eta !== null) doc.eta = task.eta;
  if (task.expires !== null) doc.expires = task.expires;
  if (task.exchange !== null) doc.exchange = task.exchange;
  if (task.routingKey !== null) doc.routingKey = task.routingKey;
  if (task.clock !== 0) doc.clock = task.clock;
  if (task.sent !== null) doc.sent = task.sent;
  if (task.succeeded !== null) doc.succeeded = task.succeeded;
  if (task.failed !== null) doc.failed = task.failed;
  if (task.retried !== null) doc.retried = task.retried;
  if (task.revoked !== null) doc.revoked = task.revoked;
  if (task.rejected !== null) doc.rejected = task.rejected;
  if (task.terminated) doc.terminated = true;
  if (task.signum !== null) doc.signum = task.signum;
  if (task.expired) doc.expired = true;
  if (task.requeue) doc.requeue = true;
  if (task.retryHistory !== null) doc.retryHistory = task.retryHistory;
  if (task.settled !== null) doc.settled = task.settled;
  if (task.extra !== null) doc.extra = task.extra;
  if (task.clockSkew !== null) doc.clockSkew = task.clockSkew;
  if (task.lastReceivedAt !== 0) doc.lastReceivedAt = task.lastReceivedAt;
  if (task.runtime === null && orderValue(task, 'runtime') !== null) doc.derivedRuntime = true;
  if (sortTime(task, task.timestamp) !== task.timestamp) doc.timestamp = task.timestamp;
  return JSON.stringify(doc);
}

/** The row of a task, held or just evicted (an evicted task's seq is negated: the row keeps it whole). */
export function taskRow(task: TaskRecord): TaskRow {
  return [
    Math.abs(task.seq), task.uuid, task.state, task.name, task.worker, task.queue,
    task.received, task.started,
    orderValue(task, 'received'), orderValue(task, 'started'), orderValue(task, 'succeeded'), orderValue(task, 'runtime'), sortTime(task, task.timestamp),
    task.lost ? 1 : 0, task.parentId, task.rootId, retryOf(task),
    task.args, task.kwargs, task.result, task.exception, task.traceback,
    docOf(task),
  ];
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const num = (value: unknown): number | null => (typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : typeof value === 'string' && value !== '' ? Number(value) : null);

/** A task read back from its row; its seq is the row's. */
export function taskFromRow(row: TaskRowObject): TaskRecord {
  const task = new TaskRecord(String(row.uuid));
  task.seq = num(row.seq) ?? 0;
  task.state = String(row.state);
  task.name = text(row.name);
  task.worker = text(row.worker);
  task.queue = text(row.queue);
  task.received = num(row.received);
  task.started = num(row.started);
  task.lost = num(row.lost) === 1 || row.lost === true;
  task.parentId = text(row.parent_id);
  task.rootId = text(row.root_id);
  task.args = text(row.args);
  task.kwargs = text(row.kwargs);
  task.result = text(row.result);
  task.exception = text(row.exception);
  task.traceback = text(row.traceback);
  const doc = JSON.parse(String(row.doc)) as TaskDoc;
  task.sender = doc.sender ?? null;
  task.retries = doc.retries ?? 0;
  task.eta = doc.eta ?? null;
  task.expires = doc.expires ?? null;
  task.exchange = doc.exchange ?? null;
  task.routingKey = doc.routingKey ?? null;
  task.clock = doc.clock ?? 0;
  task.sent = doc.sent ?? null;
  task.succeeded = doc.succeeded ?? null;
  task.failed = doc.failed ?? null;
  task.retried = doc.retried ?? null;
  task.revoked = doc.revoked ?? null;
  task.rejected = doc.rejected ?? null;
  task.terminated = doc.terminated === true;
  task.signum = doc.signum ?? null;
  task.expired = doc.expired === true;
  task.requeue = doc.requeue === true;
  task.retryHistory = doc.retryHistory ?? null;
  task.settled = doc.settled ?? null;
  task.extra = doc.extra ?? null;
  task.clockSkew = doc.clockSkew ?? null;
  task.lastReceivedAt = doc.lastReceivedAt ?? 0;
  task.timestamp = doc.timestamp ?? num(row.timestamp) ?? 0;
  // The runtime column holds what the runtime sort reads, which may be worked out from the times.
  task.runtime = doc.derivedRuntime === true ? null : num(row.runtime);
  return task;
}
