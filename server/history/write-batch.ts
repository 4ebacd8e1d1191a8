/** What one flush of the write-behind (write-behind.ts) hands to history, written in one transaction. */
import type { EventRow } from './event-row';
import type { TaskRow } from './task-row';

/** [hostname, last_seen, doc] */
export type WorkerRow = [string, number, string];
/** [id, started_at, last_heard, pid, host] */
export type RunRow = [number, number, number, number, string];

export interface WriteBatch {
  readonly tasks: TaskRow[];
  /** Each names its task by the record's arrival number (the row's, unless the task came back). */
  readonly events: EventRow[];
  readonly workers: WorkerRow[];
  readonly run: RunRow | null;
}
