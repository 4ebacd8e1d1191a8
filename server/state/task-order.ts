/**
 * Tasks sorted by a number (a time, a runtime) and then by arrival number (TaskRecord.seq), as a list of
 * blocks of at most BLOCK entries (task-order-block.ts): each block keeps its values in a Float64Array (no
 * boxed number per entry) beside its tasks. A page starts at a binary search over the blocks and then
 * within one, so reading is O(log n + page); inserting or removing shifts at most half a block, so writing
 * is O(log n + BLOCK), and appending and taking the oldest off (the common cases: times mostly grow, and
 * eviction takes the oldest) are O(1). The caller passes the value a task was
 * entered with to remove it, so a task's fields may change before it is moved.
 *
 * The shape of Python's sortedcontainers (a list of sorted lists), kept in typed arrays: a general
 * B-tree library would box each key or read the task's changing fields while it searches.
 */
import { BLOCK, OrderBlock, type SlotTable } from './task-order-block';
import type { TaskRecord } from './task-record';

/** Where a walk stands: a block and an index in it. */
export interface OrderPlace {
  block: number;
  index: number;
}

/** Whether (value, seq) comes before entry `i` of `block`. */
function beforeEntry(value: number, seq: number, block: OrderBlock, i: number): boolean {
  const other = block.value(i);
  return value < other || (value === other && seq < block.seq(i));
}

/** Whether entry `i` of `block` comes before (value, seq). */
function entryBefore(block: OrderBlock, i: number, value: number, seq: number): boolean {
  const other = block.value(i);
  return other < value || (other === value && block.seq(i) < seq);
}

/** What pages read of an order, where a place is whatever the order's seek gives (GenerationalOrder's too). */
export interface SortedTasks<Place> {
  readonly size: number;
  firstValue(): number | null;
  start(): Place;
  end(): Place;
  /** The first place whose entry is at or after (value, seq). */
  seek(value: number, seq: number): Place;
  /** Visits entries with their value, arrival number and slot: a visitor can pass over an entry by those without reading the task. */
  walk(lo: Place, hi: Place, forward: boolean, visit: (task: TaskRecord, value: number, seq: number, slot: number) => boolean): void;
}

export class TaskOrder implements SortedTasks<OrderPlace> {
  private readonly blocks: OrderBlock[] = [];
  /** Each block's first entry, flat beside the blocks: the search for a block reads these, not the blocks. */
  private readonly firstValues: number[] = [];
  private readonly firstSeqs: number[] = [];
  private count = 0;

  /** `bySlot` maps the slots the blocks hold back to their tasks (task-slots.ts). */
  constructor(private readonly bySlot: SlotTable) {}

  get size(): number {
    return this.count;
  }

  insert(value: number, task: TaskRecord): void {
    this.count++;
    const blocks = this.blocks;
    const last = blocks[blocks.length - 1];
    const appending = last !== undefined && !beforeEntry(value, task.seq, last, last.length - 1);
    if (last === undefined || (appending && last.full)) {
      // The first entry, or an append to a full last block: a new block, so blocks filled in order stay full.
      const block = new OrderBlock(this.bySlot);
      block.push(value, task.seq, task.slot);
      blocks.push(block);
      this.firstValues.push(value);
      this.firstSeqs.push(task.seq);
      return;
    }
    if (appending) {
      last.push(value, task.seq, task.slot);
      return;
    }
    let b = this.blockFor(value, task.seq);
    if ((blocks[b] as OrderBlock).full) {
      // Only the last block fills up (by appends): split it first, so there is room.
      this.split(b);
      b = this.blockFor(value, task.seq);
    }
    const block = blocks[b] as OrderBlock;
    const at = this.indexIn(block, value, task.seq);
    block.insertAt(at, value, task.seq, task.slot);
    if (at === 0) this.noteFirst(b);
    if (block.full) this.split(b);
  }

  /** Removes `task`, entered with `value`; false when it is not there. */
  remove(value: number, task: TaskRecord): boolean {
    if (this.count === 0) return false;
    const b = this.blockFor(value, task.seq);
    const block = this.blocks[b] as OrderBlock;
    const at = this.indexIn(block, value, task.seq);
    if (at >= block.length || block.slot(at) !== task.slot || block.seq(at) !== task.seq) return false;
    this.count--;
    block.removeAt(at);
    if (block.length === 0) {
      this.blocks.splice(b, 1);
      this.firstValues.splice(b, 1);
      this.firstSeqs.splice(b, 1);
      return true;
    }
    if (at === 0) this.noteFirst(b);
    if (block.length < BLOCK / 4) this.mergeWithNext(b);
    return true;
  }

  private noteFirst(b: number): void {
    const block = this.blocks[b] as OrderBlock;
    this.firstValues[b] = block.value(0);
    this.firstSeqs[b] = block.seq(0);
  }

  /** The smallest value held; null when empty. */
  firstValue(): number | null {
    const first = this.blocks[0];
    return first === undefined ? null : first.value(0);
  }

  /** The first place whose entry is at or after (value, seq); the end place when none is. */
  seek(value: number, seq: number): OrderPlace {
    if (this.count === 0) return { block: 0, index: 0 };
    const b = this.blockFor(value, seq);
    const block = this.blocks[b] as OrderBlock;
    const index = this.indexIn(block, value, seq);
    return index < block.length ? { block: b, index } : { block: b + 1, index: 0 };
  }

  /** The place of the first entry. */
  start(): OrderPlace {
    return { block: 0, index: 0 };
  }

  /** The place just past the last entry. */
  end(): OrderPlace {
    return { block: this.blocks.length, index: 0 };
  }

  /** The value of the entry at `place` (not the end place). */
  valueAt(place: OrderPlace): number {
    return (this.blocks[place.block] as OrderBlock).value(place.index);
  }

  /** The arrival number of the entry at `place` (not the end place). */
  seqAt(place: OrderPlace): number {
    return (this.blocks[place.block] as OrderBlock).seq(place.index);
  }

  /** The slot of the entry at `place` (not the end place). */
  slotAt(place: OrderPlace): number {
    return (this.blocks[place.block] as OrderBlock).slot(place.index);
  }

  /** The task of the entry at `place` (not the end place). */
  taskAt(place: OrderPlace): TaskRecord {
    return (this.blocks[place.block] as OrderBlock).task(place.index);
  }

  /** Moves `place` to the next entry, or the previous one: false (and `place` unchanged) when there is none. */
  step(place: OrderPlace, forward: boolean): boolean {
    if (forward) {
      const block = this.blocks[place.block];
      if (block === undefined) return false;
      if (place.index + 1 < block.length) place.index++;
      else if (place.block + 1 < this.blocks.length) {
        place.block++;
        place.index = 0;
      } else return false;
      return true;
    }
    if (place.index > 0) place.index--;
    else if (place.block > 0) {
      place.block--;
      place.index = (this.blocks[place.block] as OrderBlock).length - 1;
    } else return false;
    return true;
  }

  /** Bounds of the arrival numbers from place `lo` to place `hi` (excluded), from the blocks' bounds: O(n / BLOCK). */
  seqBounds(lo: OrderPlace, hi: OrderPlace): { min: number; max: number } {
    let min = Infinity;
    let max = -Infinity;
    for (let b = lo.block; b <= hi.block && b < this.blocks.length; b++) {
      const block = this.blocks[b] as OrderBlock;
      const from = b === lo.block ? lo.index : 0;
      const to = b === hi.block ? hi.index : block.length;
      if (from === 0 && to === block.length) {
        min = Math.min(min, block.minSeq);
        max = Math.max(max, block.maxSeq);
      } else {
        for (let i = from; i < to; i++) {
          min = Math.min(min, block.seq(i));
          max = Math.max(max, block.seq(i));
        }
      }
    }
    return { min, max };
  }

  /** The place `rank` entries from the start (clamped to the end): O(n / BLOCK). */
  placeAt(rank: number): OrderPlace {
    let left = rank;
    for (let b = 0; b < this.blocks.length; b++) {
      const length = (this.blocks[b] as OrderBlock).length;
      if (left < length) return { block: b, index: left };
      left -= length;
    }
    return this.end();
  }

  /** Entries before `place`: O(n / BLOCK). */
  rankOf(place: OrderPlace): number {
    let rank = 0;
    for (let b = 0; b < place.block && b < this.blocks.length; b++) rank += (this.blocks[b] as OrderBlock).length;
    return rank + (place.block < this.blocks.length ? place.index : 0);
  }

  /**
   * Visits the entries from place `lo` (included) to place `hi` (excluded), ascending when `forward`,
   * else descending, while `visit` returns true. Places come from seek, start, end and placeAt.
   */
  walk(lo: OrderPlace, hi: OrderPlace, forward: boolean, visit: (task: TaskRecord, value: number, seq: number, slot: number) => boolean): void {
    const blocks = this.blocks;
    if (forward) {
      for (let b = lo.block, i = lo.index; b < blocks.length && (b < hi.block || (b === hi.block && i < hi.index)); b++, i = 0) {
        const block = blocks[b] as OrderBlock;
        const stop = b === hi.block ? hi.index : block.length;
        for (; i < stop; i++) if (!visit(block.task(i), block.value(i), block.seq(i), block.slot(i))) return;
      }
      return;
    }
    // From the entry just before `hi`, down to `lo`.
    let b = Math.min(hi.block, blocks.length);
    let i = b === hi.block ? hi.index - 1 : -1;
    for (;;) {
      if (i < 0) {
        b--;
        if (b < 0) return;
        i = (blocks[b] as OrderBlock).length - 1;
      }
      if (b < lo.block || (b === lo.block && i < lo.index)) return;
      const block = blocks[b] as OrderBlock;
      const stop = b === lo.block ? lo.index : 0;
      for (; i >= stop; i--) if (!visit(block.task(i), block.value(i), block.seq(i), block.slot(i))) return;
      if (b === lo.block) return;
    }
  }

  /**
   * Up to `k` entries of [lo, hi) that `accept` passes, with the greatest arrival numbers below `below`
   * (`newest`) or the least above `above`, in that order. Blocks are read most promising first by their
   * bounds of arrival numbers, and reading stops once no block left can do better: where the order
   * follows arrival (received and started times mostly do), that is a block or two, whatever the range.
   */
  byArrival(lo: OrderPlace, hi: OrderPlace, k: number, newest: boolean, beyond: number | null, accept: (task: TaskRecord) => boolean): TaskRecord[] {
    const blocks = this.blocks;
    const sign = newest ? -1 : 1;
    // Compared as sign × seq: smaller is better either way.
    const limit = beyond === null ? -Infinity : sign * beyond;
    const candidates: number[] = [];
    for (let b = lo.block; b < blocks.length && (b < hi.block || (b === hi.block && hi.index > 0)); b++) candidates.push(b);
    const best = (b: number): number => {
      const block = blocks[b] as OrderBlock;
      return newest ? -block.maxSeq : block.minSeq;
    };
    candidates.sort((x, y) => best(x) - best(y));
    const kept: TaskRecord[] = [];
    for (const b of candidates) {
      if (kept.length === k && best(b) >= sign * (kept[k - 1] as TaskRecord).seq) break;
      const block = blocks[b] as OrderBlock;
      const from = b === lo.block ? lo.index : 0;
      const to = b === hi.block ? hi.index : block.length;
      for (let i = from; i < to; i++) {
        const key = sign * block.seq(i);
        if (key <= limit || (kept.length === k && key >= sign * (kept[k - 1] as TaskRecord).seq)) continue;
        const task = block.task(i);
        if (!accept(task)) continue;
        // Insertion into the k kept, best first: k is a page.
        let at = kept.length;
        while (at > 0 && sign * (kept[at - 1] as TaskRecord).seq > key) at--;
        kept.splice(at, 0, task);
        if (kept.length > k) kept.pop();
      }
    }
    return kept;
  }

  /** The block that holds (value, seq) or would: the last whose first entry is at or before it, else the first. */
  private blockFor(value: number, seq: number): number {
    const values = this.firstValues;
    const seqs = this.firstSeqs;
    let lo = 0;
    let hi = values.length - 1;
    // The ends first: times are mostly appended near the end, and eviction takes from the front.
    if (hi <= 0 || value > (values[hi] as number) || (value === values[hi] && seq >= (seqs[hi] as number))) return Math.max(hi, 0);
    if (value < (values[1] as number) || (value === values[1] && seq < (seqs[1] as number))) return 0;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      const first = values[mid] as number;
      if (value < first || (value === first && seq < (seqs[mid] as number))) hi = mid - 1;
      else lo = mid;
    }
    return lo;
  }

  /** The first index in `block` whose entry is at or after (value, seq). */
  private indexIn(block: OrderBlock, value: number, seq: number): number {
    let lo = 0;
    let hi = block.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (entryBefore(block, mid, value, seq)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private split(b: number): void {
    const second = (this.blocks[b] as OrderBlock).splitOff();
    this.blocks.splice(b + 1, 0, second);
    this.firstValues.splice(b + 1, 0, second.value(0));
    this.firstSeqs.splice(b + 1, 0, second.seq(0));
  }

  /** A block down to a quarter joins the next one when both fit in half a block, so removals leave no dust. */
  private mergeWithNext(b: number): void {
    const block = this.blocks[b] as OrderBlock;
    const next = this.blocks[b + 1];
    if (next === undefined || block.length + next.length > BLOCK / 2) return;
    block.absorb(next);
    this.blocks.splice(b + 1, 1);
    this.firstValues.splice(b + 1, 1);
    this.firstSeqs.splice(b + 1, 1);
  }
}
