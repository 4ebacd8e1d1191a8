/**
 * The rows of the Tasks page, held outside React state: with 100 000 rows, copying them on every live
 * batch (four a second) would cost more than rendering the few rows on screen. Rows are immutable
 * objects, replaced when a task changes, so memoised row components re-render only for their own task.
 */
import { runtimeOf, type RuntimeSource, type TaskPage, type V1Task } from '@/lib/api/tasks';
import type { PushedTask } from '@/lib/push/contract';

export interface TaskRow {
  readonly uuid: string;
  readonly name: string | null;
  readonly state: string;
  readonly worker: string | null;
  /** The queue the producer sent the task to (task-sent); the routing key is not a queue name. */
  readonly queue: string | null;
  readonly routingKey: string | null;
  readonly args: string | null;
  readonly kwargs: string | null;
  readonly result: string | null;
  readonly exception: string | null;
  readonly sent: number | null;
  readonly received: number | null;
  readonly started: number | null;
  readonly runtime: number | null;
  readonly runtimeSource: RuntimeSource | null;
  readonly timestamp: number;
  /** Its worker went offline while the task was in flight. */
  readonly lost: boolean;
}

export function rowOfTask(task: V1Task): TaskRow {
  return {
    uuid: task.uuid,
    name: task.name,
    state: task.state,
    worker: task.worker,
    queue: task.queue,
    routingKey: task.routing_key,
    args: task.args,
    kwargs: task.kwargs,
    result: task.result,
    exception: task.exception,
    sent: task.sent,
    received: task.received,
    started: task.started,
    runtime: task.runtime,
    runtimeSource: task.runtime_source,
    timestamp: task.timestamp,
    lost: task.lost,
  };
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : value === null || value === undefined ? null : JSON.stringify(value));
const time = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

export function rowOfPushed(task: PushedTask, known: TaskRow | undefined): TaskRow {
  // Pushed rows are Flower's JSON, with Celery's runtime (none on a failure): the same rule as REST's.
  const runtime = runtimeOf({ state: task.state, runtime: time(task['runtime']), started: time(task['started']), failed: time(task['failed']) });
  return {
    uuid: task.uuid,
    name: task.name ?? known?.name ?? null,
    state: task.state,
    worker: task.worker ?? known?.worker ?? null,
    queue: text(task['queue']) ?? known?.queue ?? null,
    routingKey: text(task['routing_key']),
    args: text(task['args']),
    kwargs: text(task['kwargs']),
    result: text(task['result']),
    exception: text(task['exception']),
    sent: time(task['sent']),
    received: time(task['received']),
    started: time(task['started']),
    runtime: runtime.seconds,
    runtimeSource: runtime.source,
    timestamp: task.timestamp,
    lost: task['lost'] === true,
  };
}

/** When Pollen first heard of the task, as near as the row tells. */
function arrivalTime(row: TaskRow): number {
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
      this.firstPageOldest = Math.min(...page.tasks.map((t) => t.sent ?? t.received ?? t.timestamp));
    }
    this.order = this.order.length === 0 ? fresh : this.order.concat(fresh);
    this.pagesLoaded++;
    this.total = Math.max(page.total_matching, this.order.length);
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
  applyLive(upserted: readonly PushedTask[], accept: (row: TaskRow) => boolean, prepend: boolean): LiveOutcome {
    let changed = 0;
    let unplaced = 0;
    const fresh: TaskRow[] = [];
    for (const pushed of upserted) {
      const known = this.byId.get(pushed.uuid);
      const row = rowOfPushed(pushed, known);
      if (known !== undefined) {
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
