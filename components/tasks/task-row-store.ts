/**
 * The rows of the Tasks page, held outside React state: with 100 000 rows, copying them on every live
 * batch (four a second) would cost more than rendering the few rows on screen. Rows are immutable
 * objects, replaced when a task changes, so memoised row components re-render only for their own task.
 */
import type { TaskPage, V1TaskRow } from '@/lib/api/tasks';

/**
 * What the list keeps of a task: the fields its columns, filters and bulk actions read. REST pages and
 * pushed rows are the same V1TaskRow; keeping only these of 100 000 of them leaves the rest (tracebacks,
 * retry histories) to be collected.
 */
export type TaskRow = Pick<
  V1TaskRow,
  | 'uuid' | 'name' | 'state' | 'worker' | 'queue' | 'routing_key' | 'args' | 'kwargs' | 'result' | 'exception'
  | 'sent' | 'received' | 'started' | 'runtime' | 'runtime_source' | 'timestamp' | 'lost'
>;

/** The row of a task, from a REST page or a push alike. */
export function rowOfTask(task: V1TaskRow): TaskRow {
  return {
    uuid: task.uuid,
    name: task.name,
    state: task.state,
    worker: task.worker,
    queue: task.queue,
    routing_key: task.routing_key,
    args: task.args,
    kwargs: task.kwargs,
    result: task.result,
    exception: task.exception,
    sent: task.sent,
    received: task.received,
    started: task.started,
    runtime: task.runtime,
    runtime_source: task.runtime_source,
    timestamp: task.timestamp,
    lost: task.lost,
  };
}

/** When Pollen first heard of the task, as near as the row tells. */
function arrivalTime(row: Pick<TaskRow, 'sent' | 'received' | 'timestamp'>): number {
  return row.sent ?? row.received ?? row.timestamp;
}

export interface LiveOutcome {
  /** New rows put on top of the list. */
  readonly prepended: number;
  /** New rows that matched but could not be placed (a sort other than newest first). */
  readonly unplaced: number;
  /** Rows already shown that changed. */
  readonly changed: number;
}

/**
 * The loaded rows, in list order: `order` from the top, and under the arrival sort also `tail` from the
 * bottom (oldest first, fetched with the order reversed), so that a jump to the end of 100 000 rows loads
 * one page instead of every page on the way. The two meet when their pages overlap or run out.
 */
export class TaskRowStore {
  order: string[] = [];
  /** Rows of the end of the list, last row first. */
  tail: string[] = [];
  private readonly inTail = new Set<string>();
  readonly byId = new Map<string, TaskRow>();
  /** total_matching of the last page, plus the rows added live since. */
  total = 0;
  /** False when the server stopped counting: at least `total` tasks match. */
  totalExact = true;
  cursor: string | null = null;
  tailCursor: string | null = null;
  /** Every matching row is in `order`. */
  done = false;
  pagesLoaded = 0;
  tailPagesLoaded = 0;
  /** The oldest arrival on the first page: a pushed task that arrived before it is an old task changing state. */
  private firstPageOldest = Number.NEGATIVE_INFINITY;

  /** Rows fetched, from both ends. */
  get loaded(): number {
    return this.order.length + this.tail.length;
  }

  /** Rows the list scrolls over. */
  get count(): number {
    return this.done ? this.order.length : Math.max(this.total, this.order.length + this.tail.length);
  }

  rowAt(index: number): TaskRow | undefined {
    let uuid = this.order[index];
    if (uuid === undefined && !this.done) uuid = this.tail[this.count - 1 - index];
    return uuid === undefined ? undefined : this.byId.get(uuid);
  }

  /** The first index the tail covers. */
  get tailStart(): number {
    return this.count - this.tail.length;
  }

  addPage(page: TaskPage): void {
    const fresh: string[] = [];
    let met = false;
    for (const task of page.tasks) {
      if (this.inTail.has(task.uuid)) met = true;
      if (this.byId.has(task.uuid)) continue;
      this.byId.set(task.uuid, rowOfTask(task));
      fresh.push(task.uuid);
    }
    if (this.pagesLoaded === 0 && page.tasks.length > 0) {
      this.firstPageOldest = Math.min(...page.tasks.map(arrivalTime));
    }
    this.order = this.order.length === 0 ? fresh : this.order.concat(fresh);
    this.pagesLoaded++;
    this.total = Math.max(page.total_matching, this.order.length);
    this.totalExact = page.total_exact !== false;
    this.cursor = page.next_cursor;
    if (page.next_cursor === null || met) this.join();
  }

  /** A page of the list read backwards (oldest first). */
  addTailPage(page: TaskPage): void {
    let met = false;
    for (const task of page.tasks) {
      if (this.byId.has(task.uuid)) {
        if (!this.inTail.has(task.uuid)) met = true;
        continue;
      }
      this.byId.set(task.uuid, rowOfTask(task));
      this.tail.push(task.uuid);
      this.inTail.add(task.uuid);
    }
    this.tailPagesLoaded++;
    this.total = Math.max(page.total_matching, this.total);
    this.tailCursor = page.next_cursor;
    if (page.next_cursor === null || met) this.join();
  }

  /** Both ends reached each other: one list, top to bottom. */
  private join(): void {
    // A row is in one end only (each end skips the rows the other holds).
    this.order = this.order.concat(this.tail.reverse());
    this.tail = [];
    this.inTail.clear();
    this.done = true;
    this.total = this.order.length;
  }

  /**
   * Merges pushed rows: known rows change in place; new rows that `accept` go on top when `prepend`
   * (the list is newest first), else they are only counted.
   */
  applyLive(upserted: readonly V1TaskRow[], accept: (row: TaskRow) => boolean, prepend: boolean): LiveOutcome {
    let changed = 0;
    let unplaced = 0;
    const fresh: TaskRow[] = [];
    for (const pushed of upserted) {
      const row = rowOfTask(pushed);
      if (this.byId.has(row.uuid)) {
        this.byId.set(row.uuid, row);
        changed++;
        continue;
      }
      if (!accept(row)) continue;
      if (!this.done && arrivalTime(row) < this.firstPageOldest) continue;
      if (prepend) fresh.push(row);
      else unplaced++;
    }
    if (fresh.length > 0) {
      fresh.sort((a, b) => arrivalTime(b) - arrivalTime(a));
      for (const row of fresh) this.byId.set(row.uuid, row);
      this.order = fresh.map((row) => row.uuid).concat(this.order);
      this.total += fresh.length;
    }
    return { prepended: fresh.length, unplaced, changed };
  }
}
