/**
 * Tasks in arrival order (by their arrival number, TaskRecord.seq, negated once evicted), for one key of the model (one state,
 * name, worker or queue) or for all of them. Entries go stale lazily: a task that leaves the key (another
 * state) or the model (evicted) stays until compaction, which runs once stale entries outnumber the live
 * ones, so each write is O(1) amortized. A reader skips stale entries with `isLive`.
 *
 * A task enters in arrival order when it is new; one that reaches a key later (a state change, a name
 * learnt from a late task-received) is placed by binary search, usually a few places from the end, and
 * revives its own stale entry when it comes back to a key it left (RETRY → RECEIVED).
 */
import type { TaskRecord } from './task-record';

export class ArrivalList {
  private tasks: TaskRecord[] = [];
  private stale = 0;

  constructor(readonly isLive: (task: TaskRecord) => boolean) {}

  get length(): number {
    return this.tasks.length;
  }

  at(index: number): TaskRecord {
    return this.tasks[index] as TaskRecord;
  }

  /** The task now belongs to this list. */
  enter(task: TaskRecord): void {
    const tasks = this.tasks;
    const last = tasks[tasks.length - 1];
    if (last === undefined || Math.abs(last.seq) < task.seq) {
      tasks.push(task);
      return;
    }
    const index = this.firstAtOrAfter(task.seq);
    if (tasks[index] === task) {
      this.stale--;
      return;
    }
    // Shifted by hand, not spliced: splice allocates an array per call, and this runs on ingest.
    tasks.push(task);
    for (let i = tasks.length - 1; i > index; i--) tasks[i] = tasks[i - 1] as TaskRecord;
    tasks[index] = task;
  }

  /** The task no longer belongs to this list (another key, or evicted). */
  leave(): void {
    this.stale++;
    if (this.stale > 1024 && this.stale * 2 > this.tasks.length) {
      // In place: a filtered copy of a list a million long would be garbage every compaction.
      const tasks = this.tasks;
      let kept = 0;
      for (let i = 0; i < tasks.length; i++) {
        const task = tasks[i] as TaskRecord;
        if (this.isLive(task)) tasks[kept++] = task;
      }
      tasks.length = kept;
      this.stale = 0;
    }
  }

  /** The index of the first entry whose arrival number is at least `seq` (length when none). */
  firstAtOrAfter(seq: number): number {
    let lo = 0;
    let hi = this.tasks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (Math.abs((this.tasks[mid] as TaskRecord).seq) < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
