/**
 * What the model keeps about its tasks besides the tasks themselves, so that reads do not walk it: how
 * many tasks are in each state, of each name, on each worker and queue, and each of those in arrival
 * order (arrival-list.ts), plus all tasks in arrival order. ClusterState tells it of every task added,
 * changed and evicted; each costs O(1) (amortized) and allocates nothing unless a key is new.
 *
 * Tasks without a key (no name, worker or queue yet, or an empty one) are in no count or list for it:
 * filters never match them there either (lib/query/task-filter.ts).
 */
import { runtimeSeconds } from '@/lib/api/tasks';
import { addId, addText, orBits, textBits } from '@/lib/search/search-signature';
import { ArrivalList } from './arrival-list';
import { sortTime } from './clock-skew';
import { TaskOrder } from './task-order';
import { SIGNATURE_WORDS, TaskSlots } from './task-slots';
import type { TaskRecord } from './task-record';

export type TaskKeyField = 'state' | 'name' | 'worker' | 'queue';

export const TASK_KEY_FIELDS: readonly TaskKeyField[] = ['state', 'name', 'worker', 'queue'];

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

class KeyIndex {
  readonly counts = new Map<string, number>();
  readonly lists = new Map<string, ArrivalList>();

  constructor(private readonly field: TaskKeyField, private readonly held: (task: TaskRecord) => boolean) {}

  enter(task: TaskRecord, key: string | null): void {
    if (key === null || key === '') return;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    let list = this.lists.get(key);
    if (list === undefined) {
      const field = this.field;
      const held = this.held;
      list = new ArrivalList((t) => t[field] === key && held(t));
      this.lists.set(key, list);
    }
    list.enter(task);
  }

  leave(key: string | null): void {
    if (key === null || key === '') return;
    const count = (this.counts.get(key) ?? 0) - 1;
    // A key with no task left is forgotten from the counts (taskNames lists held names only); its list
    // stays, for the key comes back as a rule (a state, a worker), and its stale entries compact away.
    if (count > 0) this.counts.set(key, count);
    else this.counts.delete(key);
    this.lists.get(key)?.leave();
  }
}

export class TaskIndex {
  readonly all: ArrivalList;
  /** The held tasks with a value for the field, by (value, arrival). */
  readonly orders: Readonly<Record<OrderField, TaskOrder>>;
  private readonly byField: Readonly<Record<TaskKeyField, KeyIndex>>;

  /** Per-slot times and search signatures, for scans that should not touch every task (task-slots.ts). */
  readonly slots: TaskSlots;
  /**
   * Tasks whose sender's clock cannot be right (clock-skew.ts): they sort by our receive time, so a range
   * on their own times cannot be read off an order; the few there are get checked one by one.
   */
  readonly suspects = new Set<TaskRecord>();
  private readonly bitsOf = new Map<string, Int32Array>();

  constructor(readonly held: (task: TaskRecord) => boolean, maxSlots: number) {
    this.slots = new TaskSlots(maxSlots);
    const bySlot = this.slots.tasks;
    this.orders = { received: new TaskOrder(bySlot), started: new TaskOrder(bySlot), succeeded: new TaskOrder(bySlot), runtime: new TaskOrder(bySlot) };
    this.all = new ArrivalList(held);
    this.byField = { state: new KeyIndex('state', held), name: new KeyIndex('name', held), worker: new KeyIndex('worker', held), queue: new KeyIndex('queue', held) };
  }

  added(task: TaskRecord): void {
    task.slot = this.slots.take(task);
    addId(this.slots.signatures, task.slot * SIGNATURE_WORDS, task.uuid);
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
    const now = orderValue(task, field);
    if (now === before) return;
    const order = this.orders[field];
    if (before !== null) order.remove(before, task);
    if (now !== null) order.insert(now, task);
  }

  /**
   * Adds to the task's search signature the searchable fields that changed from the ones given (its
   * values before the event): an OR, so an old value's bits stay, which only lets a search look at the
   * task for nothing.
   */
  signText(task: TaskRecord, name: string | null, worker: string | null, args: string | null, kwargs: string | null, result: string | null, exception: string | null): void {
    const sig = this.slots.signatures;
    const at = task.slot * SIGNATURE_WORDS;
    if (task.name !== null && task.name !== name) orBits(sig, at, this.sharedBits(task.name));
    if (task.worker !== null && task.worker !== worker) orBits(sig, at, this.sharedBits(task.worker));
    if (task.args !== null && task.args !== args) addText(sig, at, task.args);
    if (task.kwargs !== null && task.kwargs !== kwargs) addText(sig, at, task.kwargs);
    if (task.result !== null && task.result !== result) addText(sig, at, task.result);
    if (task.exception !== null && task.exception !== exception) addText(sig, at, task.exception);
  }

  /** The signature bits of a name or hostname, worked out once for all the tasks that share it. */
  private sharedBits(text: string): Int32Array {
    let bits = this.bitsOf.get(text);
    if (bits === undefined) {
      // Bounded: a stream of unique names must not grow it without end.
      if (this.bitsOf.size >= 10_000) this.bitsOf.clear();
      bits = textBits(text);
      this.bitsOf.set(text, bits);
    }
    return bits;
  }

  /**
   * The task is evicted (its fields as when it was last indexed): out of the orders, and its arrival
   * number negated, which is how the arrival lists tell it is gone.
   */
  removed(task: TaskRecord): void {
    for (const field of ORDER_FIELDS) {
      const value = orderValue(task, field);
      if (value !== null) this.orders[field].remove(value, task);
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

  /** Held tasks by key (live: copy it to keep it). */
  counts(field: TaskKeyField): ReadonlyMap<string, number> {
    return this.byField[field].counts;
  }

  /** Held tasks with this key in arrival order, with stale entries to skip (isLive); undefined when none ever had it. */
  list(field: TaskKeyField, key: string): ArrivalList | undefined {
    return this.byField[field].lists.get(key);
  }
}
