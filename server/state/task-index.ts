/**
 * What the model keeps about its tasks besides the tasks themselves, so that reads do not walk it: how
 * many tasks are in each state, of each name, on each worker and queue, and each of those in arrival
 * order (key-index.ts, arrival-list.ts), plus all tasks in arrival order; the tasks sorted by received,
 * started, succeeded and runtime; per-slot times and search signatures (task-slots.ts). ClusterState
 * tells it of every task added, changed and evicted; each costs O(1) (amortized, O(log n) in the orders).
 *
 * What only some pages read is kept only while they read it, for it is most of what the index costs
 * ingest: the key lists (key-index.ts) and the orders (kept-orders.ts) are built on first read and
 * dropped after INDEX_IDLE_SECONDS unread, and a search signature is worked out at the next search, not
 * on each change. Counts, the arrival order and the slots are always kept. A big model builds in slices
 * between events (arrival-build.ts), and a search signs what is pending in slices too.
 *
 * Tasks without a key (no name, worker or queue yet, or an empty one) are in no count or list for it:
 * filters never match them there either (lib/query/task-filter.ts).
 */
import { addTaskText } from '@/lib/search/search-signature';
import { ArrivalList } from './arrival-list';
import { type BuildPace, DEFAULT_PACE } from './arrival-build';
import { sortTime } from './clock-skew';
import { KeyIndex, TASK_KEY_FIELDS, type TaskKeyField } from './key-index';
import { KeptOrders, type TaskOrders } from './kept-orders';
import type { OrderField } from './order-value';
import type { SortedTasks } from './task-order';
import type { TaskRecord } from './task-record';
import { SIGNATURE_WORDS, TaskSlots } from './task-slots';

export { TASK_KEY_FIELDS, type TaskKeyField } from './key-index';
export { ORDER_FIELDS, type OrderField, orderValue } from './order-value';
export type { TaskOrders } from './kept-orders';

export class TaskIndex {
  readonly all: ArrivalList;
  private readonly kept: KeptOrders;
  private readonly byField: Readonly<Record<TaskKeyField, KeyIndex>>;

  /** Per-slot times and search signatures, for scans that should not touch every task (task-slots.ts). */
  readonly slots: TaskSlots;
  /**
   * Tasks whose sender's clock cannot be right (clock-skew.ts): they sort by our receive time, so a range
   * on their own times cannot be read off an order; the few there are get checked one by one.
   */
  readonly suspects = new Set<TaskRecord>();
  /** Whether slices of signing are queued (signatures). */
  private signing = false;
  /** Signing a task reads all its text: a slice of half as many tasks as a build's. */
  private get signSlice(): number {
    return Math.max(1, this.pace.sliceSize >>> 1);
  }

  constructor(
    readonly held: (task: TaskRecord) => boolean,
    maxSlots: number,
    private readonly pace: BuildPace = DEFAULT_PACE,
  ) {
    this.slots = new TaskSlots(maxSlots);
    this.all = new ArrivalList(held);
    this.kept = new KeptOrders(this.slots.tasks, this.all, pace);
    const keys = (field: TaskKeyField): KeyIndex => new KeyIndex(field, this.all, pace);
    this.byField = { state: keys('state'), name: keys('name'), worker: keys('worker'), queue: keys('queue') };
  }

  added(task: TaskRecord): void {
    task.slot = this.slots.take(task);
    this.all.enter(task);
    this.byField.state.enter(task, task.state);
    this.byField.name.enter(task, task.name);
    this.byField.worker.enter(task, task.worker);
    this.byField.queue.enter(task, task.queue);
  }

  /** The task's keys may have changed from the ones given (compared here, so the caller passes strings only). */
  changed(task: TaskRecord, state: string, name: string | null, worker: string | null, queue: string | null): void {
    if (task.state !== state) {
      this.move(this.byField.state, task, state, task.state);
      this.slots.states[task.slot] = this.slots.stateCode(task.state);
    }
    if (task.name !== name) this.move(this.byField.name, task, name, task.name);
    if (task.worker !== worker) this.move(this.byField.worker, task, worker, task.worker);
    if (task.queue !== queue) this.move(this.byField.queue, task, queue, task.queue);
  }

  /**
   * The task's order values and state may have changed from the ones given (its values before the event,
   * read with orderValue while the orders are kept): it moves in the orders whose value did.
   */
  reordered(task: TaskRecord, state: string, received: number | null, started: number | null, succeeded: number | null, runtime: number | null): void {
    this.slots.timestamps[task.slot] = sortTime(task, task.timestamp);
    if (task.clockSkew !== null) this.suspects.add(task);
    this.kept.reordered(task, state, received, started, succeeded, runtime);
  }

  /**
   * The task's searchable fields may have changed from the ones given (its values before the event): if
   * one did, its signature is marked to be worked out again at the next search (task-slots.ts).
   */
  retexted(task: TaskRecord, name: string | null, worker: string | null, args: string | null, kwargs: string | null, result: string | null, exception: string | null): void {
    if (task.name !== name || task.worker !== worker || task.args !== args || task.kwargs !== kwargs || task.result !== result || task.exception !== exception) {
      this.slots.touch(task.slot);
    }
  }

  /**
   * The search signatures and the marks of the slots whose signature is out of date, which a reader must
   * let through to the full match. The pending ones are signed now if few, else in slices between events.
   */
  signatures(): { readonly signatures: Int32Array; readonly marked: Uint8Array } {
    const slots = this.slots;
    if (slots.pending > 0 && !this.signing) this.sign(slots.pending <= this.pace.syncLimit ? Infinity : this.signSlice);
    return { signatures: slots.signatures, marked: slots.marked };
  }

  private sign(limit: number): void {
    this.signing = false;
    const slots = this.slots;
    const { marked, tasks, signatures, used } = slots;
    let signed = 0;
    for (let slot = 0; slot < used && slots.pending > 0 && signed < limit; slot++) {
      if (marked[slot] === 0) continue;
      marked[slot] = 0;
      slots.pending--;
      signed++;
      const at = slot * SIGNATURE_WORDS;
      signatures.fill(0, at, at + SIGNATURE_WORDS);
      const task = tasks[slot];
      if (task !== null && task !== undefined) addTaskText(signatures, at, task);
    }
    // What ingest marks meanwhile waits for the next search.
    if (slots.pending > 0 && limit !== Infinity && signed === limit) {
      this.signing = true;
      setImmediate(() => this.sign(this.signSlice));
    }
  }

  /**
   * The task is evicted (its fields as when it was last indexed): out of the orders, and its arrival
   * number negated, which is how the arrival lists tell it is gone.
   */
  removed(task: TaskRecord): void {
    this.kept.removed(task);
    task.seq = -task.seq;
    this.slots.release(task.slot);
    if (this.suspects.size > 0) this.suspects.delete(task);
    this.all.leave();
    this.byField.state.leave(task, task.state);
    this.byField.name.leave(task, task.name);
    this.byField.worker.leave(task, task.worker);
    this.byField.queue.leave(task, task.queue);
  }

  private move(index: KeyIndex, task: TaskRecord, from: string | null, to: string | null): void {
    index.leave(task, from);
    index.enter(task, to);
  }

  /** The orders; null while they are being built, which the first read starts (kept-orders.ts). */
  get orders(): TaskOrders | null {
    return this.kept.get();
  }

  /** The order by a field as pages read it (a place is whatever its seek gives); null while being built. */
  sortedBy(field: OrderField): SortedTasks<unknown> | null {
    return this.kept.get()?.[field] ?? null;
  }

  /** Held tasks in `state` with a value for `field`; null while the orders are being built. */
  valuedCount(state: string, field: OrderField): number | null {
    return this.kept.valuedCount(state, field);
  }

  /** Whether ingest keeps the orders up (built or being built); while not, it leaves them alone. */
  get ordersKept(): boolean {
    return this.kept.active;
  }

  /** Called on the model's sweep (`now` in seconds): orders and lists no page has read for `idleSeconds` go. */
  sweep(now: number, idleSeconds: number): void {
    for (const field of TASK_KEY_FIELDS) this.byField[field].sweep(now, idleSeconds);
    this.kept.sweep(now, idleSeconds);
  }

  /** Held tasks by key, for the keys some held task has (a new Map each call). */
  counts(field: TaskKeyField): Map<string, number> {
    return this.byField[field].counts();
  }

  /** Held tasks with this key. */
  count(field: TaskKeyField, key: string): number {
    return this.byField[field].count(key);
  }

  /**
   * Held tasks with this key in arrival order, with stale entries to skip (isLive); undefined when none
   * has it, null while the field's lists are being built (the first read starts that; key-index.ts).
   */
  list(field: TaskKeyField, key: string): ArrivalList | null | undefined {
    return this.byField[field].list(key);
  }

  /** Whether the field's key lists are kept and built; while not, ingest keeps only the counts. */
  listsKept(field: TaskKeyField): boolean {
    return this.byField[field].kept;
  }

  /**
   * Visits the held tasks with any of these keys: from their lists if kept, else in one pass over every
   * task (for rare reads, not worth building the lists for).
   */
  forEachWithKeys(field: TaskKeyField, keys: ReadonlySet<string>, visit: (task: TaskRecord) => void): void {
    const visitList = (list: ArrivalList): void => {
      for (let i = 0; i < list.length; i++) {
        const task = list.at(i);
        if (list.isLive(task) && keys.has(task[field] as string)) visit(task);
      }
    };
    if (!this.byField[field].kept) return visitList(this.all);
    for (const key of keys) {
      const list = this.byField[field].keptList(key);
      if (list) visitList(list);
    }
  }
}
