/**
 * An order of tasks by a value and then arrival (task-order.ts's), for a value that arrives in no
 * particular order: a runtime. One TaskOrder over a million tasks takes each runtime at a random block,
 * a few cache misses per insert and as many per eviction, which on ingest cost more than all the other
 * orders together. Here a value goes into the newest of several TaskOrders (generations), small enough to
 * stay in cache; a new one starts every `capacity` entries. A runtime is set as a task finishes, and
 * eviction takes the oldest finished tasks first, so it drains the oldest generations, each dropped once
 * empty, and one down to a quarter folded into the next (tasks kept long), all while they are in cache.
 *
 * Readers see one order: a bound stands for a place, and a walk merges the generations' entries, reading
 * the next of each (sixteen or so at a million tasks).
 */
import { type OrderPlace, type SortedTasks, TaskOrder } from './task-order';
import type { SlotTable } from './task-order-block';
import type { TaskRecord } from './task-record';

/** Where a walk starts or stops: the entries at or after (value, seq). */
export interface OrderBound {
  readonly value: number;
  readonly seq: number;
}

interface Generation {
  readonly order: TaskOrder;
  /** Bounds of the arrival numbers it was given, so that a removal looks only where the task may be. */
  minSeq: number;
  maxSeq: number;
}

/** Whether entry (value, seq) comes before the bound. */
function beforeBound(value: number, seq: number, bound: OrderBound): boolean {
  return value < bound.value || (value === bound.value && seq < bound.seq);
}

export class GenerationalOrder implements SortedTasks<OrderBound> {
  private readonly generations: Generation[] = [];
  private count = 0;

  constructor(
    private readonly bySlot: SlotTable,
    private readonly capacity = 65_536,
  ) {}

  get size(): number {
    return this.count;
  }

  insert(value: number, task: TaskRecord): void {
    let newest = this.generations[this.generations.length - 1];
    if (newest === undefined || newest.order.size >= this.capacity) {
      newest = { order: new TaskOrder(this.bySlot), minSeq: Infinity, maxSeq: -Infinity };
      this.generations.push(newest);
    }
    newest.order.insert(value, task);
    if (task.seq < newest.minSeq) newest.minSeq = task.seq;
    if (task.seq > newest.maxSeq) newest.maxSeq = task.seq;
    this.count++;
  }

  /** Removes `task`, entered with `value`; false when it is not there. Oldest generation first: eviction's. */
  remove(value: number, task: TaskRecord): boolean {
    const generations = this.generations;
    for (let g = 0; g < generations.length; g++) {
      const generation = generations[g] as Generation;
      if (task.seq < generation.minSeq || task.seq > generation.maxSeq || !generation.order.remove(value, task)) continue;
      this.count--;
      const newest = g === generations.length - 1;
      if (!newest && generation.order.size === 0) generations.splice(g, 1);
      else if (!newest && g + 1 < generations.length - 1 && generation.order.size < this.capacity / 4) this.fold(g);
      return true;
    }
    return false;
  }

  /** Moves what is left of generation g (a few stragglers) into the next one, so generations stay few. */
  private fold(g: number): void {
    const from = this.generations[g] as Generation;
    const into = this.generations[g + 1] as Generation;
    from.order.walk(from.order.start(), from.order.end(), true, (task, value) => {
      into.order.insert(value, task);
      return true;
    });
    into.minSeq = Math.min(into.minSeq, from.minSeq);
    into.maxSeq = Math.max(into.maxSeq, from.maxSeq);
    this.generations.splice(g, 1);
  }

  /** The smallest value held; null when empty. */
  firstValue(): number | null {
    let first: number | null = null;
    for (const { order } of this.generations) {
      const value = order.firstValue();
      if (value !== null && (first === null || value < first)) first = value;
    }
    return first;
  }

  start(): OrderBound {
    return { value: -Infinity, seq: -Infinity };
  }

  end(): OrderBound {
    return { value: Infinity, seq: Infinity };
  }

  seek(value: number, seq: number): OrderBound {
    return { value, seq };
  }

  /**
   * Visits the entries from bound `lo` (included) to bound `hi` (excluded), ascending when `forward`, else
   * descending, while `visit` returns true: TaskOrder.walk's contract, over every generation at once.
   */
  walk(lo: OrderBound, hi: OrderBound, forward: boolean, visit: (task: TaskRecord, value: number, seq: number, slot: number) => boolean): void {
    // Each generation's next entry inside the bounds.
    const heads: { order: TaskOrder; place: OrderPlace }[] = [];
    for (const { order } of this.generations) {
      const place = forward ? order.seek(lo.value, lo.seq) : order.seek(hi.value, hi.seq);
      if (forward ? place.block < order.end().block : order.step(place, false)) heads.push({ order, place });
    }
    const inside = (order: TaskOrder, place: OrderPlace): boolean => {
      const value = order.valueAt(place);
      const seq = order.seqAt(place);
      return forward ? beforeBound(value, seq, hi) : !beforeBound(value, seq, lo);
    };
    for (let h = heads.length - 1; h >= 0; h--) if (!inside((heads[h] as (typeof heads)[number]).order, (heads[h] as (typeof heads)[number]).place)) heads.splice(h, 1);
    while (heads.length > 0) {
      let best = 0;
      for (let h = 1; h < heads.length; h++) {
        const { order, place } = heads[h] as (typeof heads)[number];
        const top = heads[best] as (typeof heads)[number];
        const value = order.valueAt(place);
        const seq = order.seqAt(place);
        const topValue = top.order.valueAt(top.place);
        const before = value < topValue || (value === topValue && seq < top.order.seqAt(top.place));
        if (before === forward) best = h;
      }
      const { order, place } = heads[best] as (typeof heads)[number];
      if (!visit(order.taskAt(place), order.valueAt(place), order.seqAt(place), order.slotAt(place))) return;
      if (!order.step(place, forward) || !inside(order, place)) heads.splice(best, 1);
    }
  }
}
