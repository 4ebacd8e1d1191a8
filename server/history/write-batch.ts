/** What one flush of the write-behind (write-behind.ts) hands to history, written in one transaction. */
import { type EventColumns, emptyEventColumns } from './event-row';
import type { TaskRow } from './task-row';

/** [hostname, last_seen, doc] */
export type WorkerRow = [string, number, string];
/** [id, started_at, last_heard, pid, host] */
export type RunRow = [number, number, number, number, string];
/**
 * One task name's bucket (a minute or an hour; '' is every task together): [task, at (the bucket's start,
 * epoch ms), sent, received, started, succeeded, failed, retried, revoked, rejected, runtime, wait,
 * end_to_end] with the latencies as sketches (metrics/sketch-codec.ts), null where none was observed.
 * A bucket written again replaces its row.
 */
export type RollupRow = [string, number, number, number, number, number, number, number, number, number, Uint8Array | null, Uint8Array | null, Uint8Array | null];
/** [hostname, online_from, online_to] in Unix seconds, online_to null while online; written again when it ends. */
export type WorkerPeriodRow = [string, number, number | null];
/** [queue, at (the minute's start, epoch ms), the last reading in it, the largest] */
export type QueueLengthRow = [string, number, number, number];
/** Rollups and queue lengths older than these go, a small slice each flush: [minutes before, hours before, queue lengths before] (epoch ms). */
export type PruneRow = [number, number, number];

export interface WriteBatch {
  readonly tasks: TaskRow[];
  /** Each names its task by the record's arrival number (the row's, unless the task came back). */
  readonly events: EventColumns;
  readonly workers: WorkerRow[];
  readonly run: RunRow | null;
  readonly rollupMinutes: RollupRow[];
  readonly rollupHours: RollupRow[];
  readonly workerPeriods: WorkerPeriodRow[];
  readonly queueLengths: QueueLengthRow[];
  readonly prune: PruneRow | null;
}

/** A batch with nothing in it, to fill: new arrays each time (a shared empty batch would collect every caller's rows). */
export function emptyBatch(): WriteBatch {
  return { tasks: [], events: emptyEventColumns(), workers: [], run: null, rollupMinutes: [], rollupHours: [], workerPeriods: [], queueLengths: [], prune: null };
}
