/**
 * What the model keeps about its tasks besides the tasks themselves, so that reads do not walk it: how
 * many tasks are in each state, of each name, on each worker and queue, and each of those in arrival
 * order (key-index.ts, arrival-list.ts), plus all tasks in arrival order; the tasks sorted by received,
 * started, succeeded and runtime; per-slot times and search signatures (task-slots.ts). ClusterState
 * tells it of every task added, changed and evicted; each costs O(1) (amortized, O(log n) in the orders).
 *
 * What only some pages read is kept only while they read it, for it is most of what the index costs
 * ingest: the key lists and the orders are built on first read and dropped after INDEX_IDLE_SECONDS
 * unread, and a search signature is worked out at the next search, not on each change. Counts, the
 * arrival order and the slots are always kept.
 *
 * Tasks without a key (no name, worker or queue yet, or an empty one) are in no count or list for it:
 * filters never match them there either (lib/query/task-filter.ts).
 */
import { runtimeSeconds } from '@/lib/api/tasks';
import { addTaskText } from '@/lib/search/search-signature';
import { ArrivalList } from './arrival-list';
import { sortTime } from './clock-skew';
import { GenerationalOrder } from './generational-order';
import { type SortedTasks, TaskOrder } from './task-order';
import { SIGNATURE_WORDS, TaskSlots } from './task-slots';
import type { TaskRecord } from './task-record';

import { KeyIndex, TASK_KEY_FIELDS, type TaskKeyField } from './key-index';

export { TASK_KEY_FIELDS, type TaskKeyField } from './key-index';

/** v1's sorts other than arrival: each is kept as a TaskOrder of the tasks that have the value. */
export type OrderField = 'received' | 'started' | 'succeeded' | 'runtime';

export const ORDER_FIELDS: readonly OrderField[] = ['received', 'started', 'succeeded', 'runtime'];

/** What a task sorts by in each order (a suspect clock's times capped, clock-skew.ts); null when it has no such value. */
export function orderValue(task: TaskRecord, field: OrderField): number | null {
  switch (field) {
    case 'received':
      return sortTime(task, task.received);
    case 'started':
      return sortTime(task, task.started);
    case 'succeeded':
      return sortTime(task, task.succeeded);
    case 'runtime':
      return runtimeSeconds(task);
  }
}

function unorder(order: TaskOrder | GenerationalOrder, value: number | null, task: TaskRecord): void {
  if (value !== null) order.remove(value, task);
}

/** The held tasks with a value for each field, by (value, arrival). */
export interface TaskOrders {
  readonly received: TaskOrder;
  readonly started: TaskOrder;
  readonly succeeded: TaskOrder;
  readonly runtime: GenerationalOrder;
}

export class TaskIndex {
  readonly all: ArrivalList;
  /**
   * The orders, while pages read them (null when none has for ORDERS_IDLE seconds). They are most of what
   * keeping the index costs ingest (eight moves per task), and only sorted pages and time ranges read
   * them: a model nobody sorts does not pay for them, and the first such page builds them (`orders`).
   */
  private kept: TaskOrders | null = null;
  /** Whether the orders were read since the last sweep (sweepOrders), and the sweep's time when last they were. */
  private ordersRead = false;
  private ordersReadAt = 0;
  private readonly byField: Readonly<Record<TaskKeyField, KeyIndex>>;

  /** Per-slot times and search signatures, for scans that should not touch every task (task-slots.ts). */
  readonly slots: TaskSlots;
  /**
   * Tasks whose sender's clock cannot be right (clock-skew.ts): they sort by our receive time, so a range
   * on their own times cannot be read off an order; the few there are get checked one by one.
   */
  readonly suspects = new Set<TaskRecord>();

  constructor(readonly held: (task: TaskRecord) => boolean, maxSlots: number) {
    this.slots = new TaskSlots(maxSlots);
    this.all = new ArrivalList(held);
    this.byField = { state: new KeyIndex('state'), name: new KeyIndex('name'), worker: new KeyIndex('worker'), queue: new KeyIndex('queue') };
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
    if (task.state !== state) this.move(this.byField.state, task, state, task.state);
    if (task.name !== name) this.move(this.byField.name, task, name, task.name);
    if (task.worker !== worker) this.move(this.byField.worker, task, worker, task.worker);
    if (task.queue !== queue) this.move(this.byField.queue, task, queue, task.queue);
  }

  /**
   * The task's order values may have changed from the ones given (its values before the event, read with
   * orderValue): it moves in the orders whose value did. Four comparisons when nothing moved.
   */
  reordered(task: TaskRecord, received: number | null, started: number | null, succeeded: number | null, runtime: number | null): void {
    this.slots.timestamps[task.slot] = sortTime(task, task.timestamp);
    if (task.clockSkew !== null) this.suspects.add(task);
    this.reorder('received', task, received);
    this.reorder('started', task, started);
    this.reorder('succeeded', task, succeeded);
    this.reorder('runtime', task, runtime);
  }

  private reorder(field: OrderField, task: TaskRecord, before: number | null): void {
    if (this.kept === null) return;
    const now = orderValue(task, field);
    if (now === before) return;
    const order = this.kept[field];
    if (before !== null) order.remove(before, task);
    if (now !== null) order.insert(now, task);
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

  /** Every held task's search signature, up to date: the tasks whose text changed since the last call are signed now. */
  signatures(): Int32Array {
    const slots = this.slots;
    if (slots.pending === 0) return slots.signatures;
    const { marked, tasks, signatures, used } = slots;
    for (let slot = 0; slot < used; slot++) {
      if (marked[slot] === 0) continue;
      marked[slot] = 0;
      const at = slot * SIGNATURE_WORDS;
      signatures.fill(0, at, at + SIGNATURE_WORDS);
      const task = tasks[slot];
      if (task !== null && task !== undefined) addTaskText(signatures, at, task);
    }
    slots.pending = 0;
    return signatures;
  }

  /**
   * The task is evicted (its fields as when it was last indexed): out of the orders, and its arrival
   * number negated, which is how the arrival lists tell it is gone.
   */
  removed(task: TaskRecord): void {
    if (this.kept !== null) {
      const { received, started, succeeded, runtime } = this.kept;
      unorder(received, orderValue(task, 'received'), task);
      unorder(started, orderValue(task, 'started'), task);
      unorder(succeeded, orderValue(task, 'succeeded'), task);
      unorder(runtime, orderValue(task, 'runtime'), task);
    }
    task.seq = -task.seq;
    this.slots.release(task.slot);
    if (this.suspects.size > 0) this.suspects.delete(task);
    this.all.leave();
    this.byField.state.leave(task.state);
    this.byField.name.leave(task.name);
    this.byField.worker.leave(task.worker);
    this.byField.queue.leave(task.queue);
  }

  private move(index: KeyIndex, task: TaskRecord, from: string | null, to: string | null): void {
    index.leave(from);
    index.enter(task, to);
  }

  /** The orders, built now from the held tasks if they are not kept (O(n log n), once); kept while read. */
  get orders(): TaskOrders {
    this.ordersRead = true;
    return (this.kept ??= this.buildOrders());
  }

  /** The order by a field as pages read it (a place is whatever its seek gives). */
  sortedBy(field: OrderField): SortedTasks<unknown> {
    return this.orders[field];
  }

  /** Whether the orders are kept (read lately); while not, ingest leaves them alone. */
  get ordersKept(): boolean {
    return this.kept !== null;
  }

  /** Called on the model's sweep (`now` in seconds): orders and lists no page has read for `idleSeconds` go. */
  sweep(now: number, idleSeconds: number): void {
    for (const field of TASK_KEY_FIELDS) this.byField[field].sweep(now, idleSeconds);
    if (this.ordersRead) {
      this.ordersRead = false;
      this.ordersReadAt = now;
    } else if (this.kept !== null && now - this.ordersReadAt > idleSeconds) {
      this.kept = null;
    }
  }

  private buildOrders(): TaskOrders {
    const bySlot = this.slots.tasks;
    const orders: TaskOrders = { received: new TaskOrder(bySlot), started: new TaskOrder(bySlot), succeeded: new TaskOrder(bySlot), runtime: new GenerationalOrder(bySlot) };
    // In arrival order: times then mostly append, the cheap case.
    const all = this.all;
    for (let i = 0; i < all.length; i++) {
      const task = all.at(i);
      if (!all.isLive(task)) continue;
      for (const field of ORDER_FIELDS) {
        const value = orderValue(task, field);
        if (value !== null) orders[field].insert(value, task);
      }
    }
    return orders;
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
   * has it. The field's lists are built on first read (O(n)) and kept while read (key-index.ts).
   */
  list(field: TaskKeyField, key: string): ArrivalList | undefined {
    return this.byField[field].list(key, this.all);
  }

  /** Whether the field's key lists are kept (read lately); while not, ingest keeps only the counts. */
  listsKept(field: TaskKeyField): boolean {
    return this.byField[field].kept;
  }

  /** Visits the held tasks with this key: from its list if kept, else through every task (not worth building the lists for). */
  forEachWithKey(field: TaskKeyField, key: string, visit: (task: TaskRecord) => void): void {
    const kept = this.byField[field].keptList(key);
    if (kept === undefined) return;
    const list = kept ?? this.all;
    for (let i = 0; i < list.length; i++) {
      const task = list.at(i);
      if (list.isLive(task) && task[field] === key) visit(task);
    }
  }
}
