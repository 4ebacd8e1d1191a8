/** Tasks for the order tests (task-order, generational-order): a test task's slot is its arrival number. */
import { TaskRecord } from './task-record';

/** The tasks by slot, as the model's slots keep them. */
export const bySlot: TaskRecord[] = [];

export function task(seq: number): TaskRecord {
  const record = new TaskRecord(`t${seq}`);
  record.seq = seq;
  record.slot = seq;
  bySlot[seq] = record;
  return record;
}

export type Entry = { value: number; task: TaskRecord };

/** The orders' own: by value, then arrival. */
export const compare = (a: Entry, b: Entry): number => a.value - b.value || a.task.seq - b.task.seq;
