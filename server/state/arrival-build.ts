/**
 * Builds one of the index's structures (a field's key lists, the sorted orders) from the held tasks in
 * arrival order. A model of up to `syncLimit` tasks is done at once (milliseconds); a bigger one in
 * slices of `sliceSize` tasks between events, for one go over a million tasks stalls the event loop for
 * seconds (the broker's pings then go unanswered, and the stream looks cut). Meanwhile ingest keeps up the
 * part built so far (`covers`), the builder reads the rest as it is when it gets there, and readers use
 * the paths that need no index.
 */
import type { ArrivalList } from './arrival-list';
import type { TaskRecord } from './task-record';

export interface BuildPace {
  /** Held tasks up to which a structure is built at once. */
  readonly syncLimit: number;
  /** Tasks per slice beyond it. */
  readonly sliceSize: number;
}

// A slice of 8 192 tasks takes a few milliseconds: several structures building at once still leave the
// event loop free within tens of milliseconds.
export const DEFAULT_PACE: BuildPace = { syncLimit: 100_000, sliceSize: 8_192 };

export class ArrivalBuild {
  /** Tasks that arrived up to this arrival number are in the structure. */
  private builtSeq = 0;
  private finished = false;
  private cancelled = false;

  constructor(
    private readonly all: ArrivalList,
    private readonly add: (task: TaskRecord) => void,
    private readonly pace: BuildPace,
  ) {
    // Its length (stale entries too) bounds the tasks held: near enough to choose.
    if (all.length <= pace.syncLimit) this.slice(Infinity);
    else this.slice(pace.sliceSize);
  }

  get done(): boolean {
    return this.finished;
  }

  /** Whether ingest should keep the task in the structure (the builder has been past it). Evicted tasks' numbers are negated. */
  covers(task: TaskRecord): boolean {
    return this.finished || Math.abs(task.seq) <= this.builtSeq;
  }

  /** Stops the slices still to come (the structure is dropped). */
  cancel(): void {
    this.cancelled = true;
  }

  private slice(limit: number): void {
    if (this.cancelled) return;
    const all = this.all;
    let i = all.firstAtOrAfter(this.builtSeq + 1);
    for (let n = 0; i < all.length && n < limit; i++, n++) {
      const task = all.at(i);
      if (all.isLive(task)) this.add(task);
      this.builtSeq = Math.abs(task.seq);
    }
    if (i >= all.length) this.finished = true;
    else setImmediate(() => this.slice(this.pace.sliceSize));
  }
}
