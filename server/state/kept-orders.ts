/**
 * The held tasks sorted by received, started, succeeded and runtime, with how many tasks of each state
 * have each value (valued-counts.ts), kept only while pages read them. They are most of what keeping the
 * index costs ingest (eight moves per task), and only sorted pages and time ranges read them: a model
 * nobody sorts does not pay for them. The first read builds them (arrival-build.ts: at once for a small
 * model, else in slices between events, readers meanwhile taking the paths without them), and they go
 * after a while unread (sweep).
 */
import { type ArrivalList } from './arrival-list';
import { ArrivalBuild, type BuildPace } from './arrival-build';
import { GenerationalOrder } from './generational-order';
import { type OrderField, orderValue } from './order-value';
import { TaskOrder } from './task-order';
import type { SlotTable } from './task-order-block';
import type { TaskRecord } from './task-record';
import { ValuedCounts } from './valued-counts';

/** The held tasks with a value for each field, by (value, arrival). */
export interface TaskOrders {
  readonly received: TaskOrder;
  readonly started: TaskOrder;
  readonly succeeded: TaskOrder;
  readonly runtime: GenerationalOrder;
}

function unorder(order: TaskOrder | GenerationalOrder, value: number | null, task: TaskRecord): void {
  if (value !== null) order.remove(value, task);
}

export class KeptOrders {
  private orders: TaskOrders | null = null;
  private build: ArrivalBuild | null = null;
  private valued = new ValuedCounts();
  /** Whether they were read since the last sweep, and the sweep's time when last they were. */
  private read = false;
  private readAt = 0;

  constructor(
    private readonly bySlot: SlotTable,
    private readonly all: ArrivalList,
    private readonly pace: BuildPace,
  ) {}

  /** Whether ingest keeps them up (built, or being built). */
  get active(): boolean {
    return this.orders !== null;
  }

  /** The task's values (and state) may have changed from the ones given: it moves where they did. */
  reordered(task: TaskRecord, state: string, received: number | null, started: number | null, succeeded: number | null, runtime: number | null): void {
    const orders = this.orders;
    if (orders === null || !(this.build as ArrivalBuild).covers(task)) return;
    const nowReceived = reorder(orders.received, task, received, orderValue(task, 'received'));
    const nowStarted = reorder(orders.started, task, started, orderValue(task, 'started'));
    const nowSucceeded = reorder(orders.succeeded, task, succeeded, orderValue(task, 'succeeded'));
    const nowRuntime = reorder(orders.runtime, task, runtime, orderValue(task, 'runtime'));
    if (state !== task.state || nowReceived !== received || nowStarted !== started || nowSucceeded !== succeeded || nowRuntime !== runtime) {
      this.valued.add(state, received, started, succeeded, runtime, -1);
      this.valued.add(task.state, nowReceived, nowStarted, nowSucceeded, nowRuntime, 1);
    }
  }

  /** The task is evicted (its fields as when last indexed). */
  removed(task: TaskRecord): void {
    const orders = this.orders;
    if (orders === null || !(this.build as ArrivalBuild).covers(task)) return;
    const received = orderValue(task, 'received');
    const started = orderValue(task, 'started');
    const succeeded = orderValue(task, 'succeeded');
    const runtime = orderValue(task, 'runtime');
    unorder(orders.received, received, task);
    unorder(orders.started, started, task);
    unorder(orders.succeeded, succeeded, task);
    unorder(orders.runtime, runtime, task);
    this.valued.add(task.state, received, started, succeeded, runtime, -1);
  }

  /** The orders; null while they are being built (the first read starts that). */
  get(): TaskOrders | null {
    this.read = true;
    if (this.orders === null) this.start();
    return (this.build as ArrivalBuild).done ? this.orders : null;
  }

  /** Held tasks in `state` with a value for `field`; null while the orders are being built. */
  valuedCount(state: string, field: OrderField): number | null {
    return this.get() === null ? null : this.valued.of(state, field);
  }

  /** Called on the model's sweep (`now` in seconds): orders unread for `idleSeconds` go. */
  sweep(now: number, idleSeconds: number): void {
    if (this.read) {
      this.read = false;
      this.readAt = now;
    } else if (this.orders !== null && now - this.readAt > idleSeconds) {
      this.build?.cancel();
      this.build = null;
      this.orders = null;
    }
  }

  private start(): void {
    const bySlot = this.bySlot;
    const orders: TaskOrders = { received: new TaskOrder(bySlot), started: new TaskOrder(bySlot), succeeded: new TaskOrder(bySlot), runtime: new GenerationalOrder(bySlot) };
    const valued = new ValuedCounts();
    this.orders = orders;
    this.valued = valued;
    // In arrival order: times then mostly append, the cheap case.
    this.build = new ArrivalBuild(
      this.all,
      (task) => {
        const received = orderValue(task, 'received');
        const started = orderValue(task, 'started');
        const succeeded = orderValue(task, 'succeeded');
        const runtime = orderValue(task, 'runtime');
        if (received !== null) orders.received.insert(received, task);
        if (started !== null) orders.started.insert(started, task);
        if (succeeded !== null) orders.succeeded.insert(succeeded, task);
        if (runtime !== null) orders.runtime.insert(runtime, task);
        valued.add(task.state, received, started, succeeded, runtime, 1);
      },
      this.pace,
    );
  }
}

/** Moves the task in one order if its value there changed; returns the value now. */
function reorder(order: TaskOrder | GenerationalOrder, task: TaskRecord, before: number | null, now: number | null): number | null {
  if (now === before) return now;
  if (before !== null) order.remove(before, task);
  if (now !== null) order.insert(now, task);
  return now;
}
