/**
 * What the durable store reads from history besides pages: a task by id with its links and timeline,
 * and, at start, what to put back in memory (the newest tasks, those still in flight, the workers, the
 * last run). Each is one or two indexed queries; none walks the table.
 */
import { IN_FLIGHT_STATES } from '@/lib/api/task-states';
import type { TaskRecord } from '../state/task-record';
import { type TaskTimelineEvent, timelineEvent } from './event-row';
import type { HistoryScope } from './history-page';
import { taskFromRow, type TaskRowObject } from './task-row';

/** Rows read at once when putting the newest tasks back in memory. */
const RESTORE_SLICE = 10_000;

/** Tasks in flight (or waiting to run again) older than the restored window are put back too, up to this many. */
const IN_FLIGHT_RESTORED = 10_000;

export interface RunRecord {
  readonly id: number;
  /** Unix seconds. */
  readonly startedAt: number;
  readonly lastHeard: number;
}

/** When Pollen was not listening: between one run's last write and the next run's start (Unix seconds). */
export interface ListeningGap {
  readonly from: number;
  readonly to: number;
}

export function scoped<Q extends { where(column: 'cluster', op: '=', value: string): Q }>(scope: HistoryScope, query: Q): Q {
  return scope.cluster === null ? query : query.where('cluster', '=', scope.cluster);
}

export async function historyTask(scope: HistoryScope, uuid: string): Promise<TaskRecord | undefined> {
  const [row] = await scope.reader.all<TaskRowObject>(scoped(scope, scope.db.selectFrom('tasks').selectAll().where('uuid', '=', uuid)).compile());
  return row === undefined ? undefined : taskFromRow(row);
}

/** Ids of the tasks whose parent (or, with `retry_of`, whose original) is `uuid`, in arrival order. */
export async function historyLinked(scope: HistoryScope, column: 'parent_id' | 'retry_of', uuid: string): Promise<string[]> {
  const rows = await scope.reader.all<{ uuid: string }>(scoped(scope, scope.db.selectFrom('tasks').select('uuid').where(column, '=', uuid)).orderBy('seq').limit(10_000).compile());
  return rows.map((r) => r.uuid);
}

/** Every event history holds of the task, in the order received (one indexed join: its row, then its events). */
export async function historyTimeline(scope: HistoryScope, uuid: string): Promise<TaskTimelineEvent[]> {
  let query = scope.db
    .selectFrom('task_events as e')
    .innerJoin('tasks as t', (join) => (scope.cluster === null ? join.onRef('t.seq', '=', 'e.task_seq') : join.onRef('t.seq', '=', 'e.task_seq').onRef('t.cluster', '=', 'e.cluster')))
    .select(['e.type', 'e.timestamp', 'e.hostname', 'e.received_at', 'e.fields'])
    .where('t.uuid', '=', uuid);
  if (scope.cluster !== null) query = query.where('t.cluster', '=', scope.cluster);
  const rows = await scope.reader.all(query.orderBy('e.id').compile());
  return rows.map(timelineEvent);
}

export interface Restored {
  /** In arrival order. */
  readonly tasks: TaskRecord[];
  /** Whether history holds tasks besides these. */
  readonly more: boolean;
  readonly maxSeq: number;
  readonly workers: readonly { readonly hostname: string; readonly last_seen: unknown; readonly doc: unknown }[];
  readonly lastRun: RunRecord | null;
}

/** What a start puts back in memory: the newest `maxTasks` tasks and those in flight, and every worker. */
export async function restoreFromHistory(scope: HistoryScope, maxTasks: number): Promise<Restored> {
  const { db, reader } = scope;
  // In slices: one read of 100 000 rows would hold them all at once in the reader thread and in the message.
  const newest: TaskRecord[] = [];
  while (newest.length < maxTasks) {
    const before = newest.length === 0 ? null : (newest[newest.length - 1] as TaskRecord).seq;
    const query = scoped(scope, db.selectFrom('tasks').selectAll());
    const slice = await reader.all<TaskRowObject>((before === null ? query : query.where('seq', '<', before)).orderBy('seq', 'desc').limit(Math.min(RESTORE_SLICE, maxTasks - newest.length)).compile());
    for (const row of slice) newest.push(taskFromRow(row));
    if (slice.length < RESTORE_SLICE) break;
  }
  const oldestKept = newest.length > 0 ? (newest[newest.length - 1] as TaskRecord).seq : Number.MAX_SAFE_INTEGER;
  const inFlight = await reader.all<TaskRowObject>(
    scoped(scope, db.selectFrom('tasks').selectAll().where('state', 'in', [...IN_FLIGHT_STATES, 'RETRY']).where('seq', '<', oldestKept)).orderBy('seq', 'desc').limit(IN_FLIGHT_RESTORED).compile(),
  );
  const [max] = await reader.all<{ seq: number | string | null }>(scoped(scope, db.selectFrom('tasks').select((eb) => eb.fn.max('seq').as('seq'))).compile());
  const [count] = await reader.all<{ n: number | string | null }>(scoped(scope, db.selectFrom('task_counts').select('n').where('field', '=', 'total').where('key', '=', '')).compile());
  const tasks = [...inFlight.reverse().map(taskFromRow), ...newest.reverse()];
  const workers = await reader.all<{ hostname: string; last_seen: unknown; doc: unknown }>(scoped(scope, db.selectFrom('workers').select(['hostname', 'last_seen', 'doc'])).orderBy('last_seen').compile());
  const [run] = await reader.all<{ id: number | string; started_at: number; last_heard: number }>(scoped(scope, db.selectFrom('runs').select(['id', 'started_at', 'last_heard'])).orderBy('id', 'desc').limit(1).compile());
  return {
    tasks,
    more: Number(count?.n ?? 0) > tasks.length,
    maxSeq: Number(max?.seq ?? 0),
    workers,
    lastRun: run === undefined ? null : { id: Number(run.id), startedAt: Number(run.started_at), lastHeard: Number(run.last_heard) },
  };
}

/** The times Pollen was not listening between the runs history recorded before run `beforeRun`, newest first. */
export async function listeningGaps(scope: HistoryScope, limit: number, beforeRun: number): Promise<ListeningGap[]> {
  const runs = await scope.reader.all<{ started_at: number; last_heard: number }>(
    scoped(scope, scope.db.selectFrom('runs').select(['started_at', 'last_heard']).where('id', '<', beforeRun)).orderBy('id', 'desc').limit(limit + 1).compile(),
  );
  const gaps: ListeningGap[] = [];
  for (let i = 0; i + 1 < runs.length; i++) {
    const later = runs[i] as { started_at: number };
    const earlier = runs[i + 1] as { last_heard: number };
    gaps.push({ from: Number(earlier.last_heard), to: Number(later.started_at) });
  }
  return gaps;
}
