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
  /** Entries before it were dropped from the front (evicted tasks leave from there). */
  private head = 0;
  private stale = 0;

  constructor(readonly isLive: (task: TaskRecord) => boolean) {}

  get length(): number {
    return this.tasks.length - this.head;
  }

  at(index: number): TaskRecord {
    return this.tasks[this.head + index] as TaskRecord;
  }

  /** The task now belongs to this list. */
  enter(task: TaskRecord): void {
    const tasks = this.tasks;
    const last = tasks.length > this.head ? tasks[tasks.length - 1] : undefined;
    if (last === undefined || Math.abs(last.seq) < task.seq) {
      tasks.push(task);
      return;
    }
    const index = this.head + this.firstAtOrAfter(task.seq);
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
    const tasks = this.tasks;
    // Stale entries at the front (the oldest tasks, evicted) go at once, without a walk.
    while (this.head < tasks.length && !this.isLive(tasks[this.head] as TaskRecord)) {
      this.head++;
      this.stale--;
    }
    if (this.head > 1024 && this.head * 2 > tasks.length) {
      tasks.copyWithin(0, this.head);
      tasks.length -= this.head;
      this.head = 0;
    }
    if (this.stale > 1024 && this.stale * 2 > this.length) {
      // In place: a filtered copy of a list a million long would be garbage every compaction.
      let kept = 0;
      for (let i = this.head; i < tasks.length; i++) {
        const task = tasks[i] as TaskRecord;
        if (this.isLive(task)) tasks[kept++] = task;
      }
      tasks.length = kept;
      this.head = 0;
      this.stale = 0;
    }
  }

  /** The index of the first entry whose arrival number is at least `seq` (length when none). */
  firstAtOrAfter(seq: number): number {
    const tasks = this.tasks;
    const head = this.head;
    // A task reaching a key late (its state changed) usually lands a few places from the end: gallop back
    // from there (1, 2, 4, ... places), so the search reads a few recent tasks, not twenty scattered ones.
    let hi = tasks.length;
    let step = 1;
    let lo = hi - step;
    while (lo > head && Math.abs((tasks[lo] as TaskRecord).seq) >= seq) {
      hi = lo;
      step *= 2;
      lo = hi - step;
    }
    if (lo < head) lo = head;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (Math.abs((tasks[mid] as TaskRecord).seq) < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo - head;
  }
}
