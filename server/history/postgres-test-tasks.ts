/** Tasks and batches for the PostgreSQL history's tests. */
import { TaskRecord } from '../state/task-record';
import type { EventRow } from './event-row';
import { taskRow } from './task-row';
import type { WriteBatch } from './write-batch';

export interface TaskFields {
  state?: string;
  name?: string | null;
  worker?: string | null;
  queue?: string | null;
  received?: number | null;
  started?: number | null;
  args?: string | null;
  kwargs?: string | null;
  result?: string | null;
  exception?: string | null;
  lost?: boolean;
}

export function task(seq: number, uuid: string, fields: TaskFields = {}): TaskRecord {
  const record = new TaskRecord(uuid);
  record.seq = seq;
  record.state = fields.state ?? 'SUCCESS';
  record.name = fields.name === undefined ? 'app.tasks.add' : fields.name;
  record.worker = fields.worker === undefined ? 'celery@alpha' : fields.worker;
  record.queue = fields.queue === undefined ? 'celery' : fields.queue;
  record.received = fields.received === undefined ? 1_700_000_000 + seq : fields.received;
  record.started = fields.started === undefined ? 1_700_000_000.5 + seq : fields.started;
  record.timestamp = 1_700_000_001 + seq;
  record.args = fields.args === undefined ? `(${seq}, 2)` : fields.args;
  record.kwargs = fields.kwargs === undefined ? '{}' : fields.kwargs;
  record.result = fields.result === undefined ? (record.state === 'SUCCESS' ? String(seq + 2) : null) : fields.result;
  record.exception = fields.exception ?? null;
  record.lost = fields.lost ?? false;
  return record;
}

export function batchOf(tasks: readonly TaskRecord[], events: EventRow[] = []): WriteBatch {
  return { tasks: tasks.map(taskRow), events, workers: [], run: null };
}
