/**
 * Tasks sorted by a number (a time, a runtime) and then by arrival number (TaskRecord.seq), as a list of
 * blocks of at most BLOCK entries: each block keeps its values in a Float64Array (no boxed number per
 * entry) beside its tasks. A page starts at a binary search over the blocks and then within one, so
 * reading is O(log n + page); inserting or removing shifts at most one block, so writing is O(log n + BLOCK),
 * and appending (the common case: times mostly grow) is O(1). The caller passes the value a task was
 * entered with to remove it, so a task's fields may change before it is moved.
 *
 * The shape of Python's sortedcontainers (a list of sorted lists), kept in typed arrays: a general
 * B-tree library would box each key or read the task's changing fields while it searches.
 */
import type { TaskRecord } from './task-record';

const BLOCK = 512;

class Block {
  readonly values = new Float64Array(BLOCK);
  readonly tasks: TaskRecord[] = [];
  /** Bounds of the arrival numbers held: exact after a split or merge, possibly loose after removals. */
  minSeq = Infinity;
  maxSeq = -Infinity;

  noteSeq(seq: number): void {
    if (seq < this.minSeq) this.minSeq = seq;
    if (seq > this.maxSeq) this.maxSeq = seq;
  }

  recountSeqs(): void {
    this.minSeq = Infinity;
    this.maxSeq = -Infinity;
    for (const task of this.tasks) this.noteSeq(task.seq);
  }

  get length(): number {
    return this.tasks.length;
  }
}

/** Where a walk stands: a block and an index in it. */
export interface OrderPlace {
  block: number;
  index: number;
}

function before(value: number, seq: number, otherValue: number, otherSeq: number): boolean {
  return value < otherValue || (value === otherValue && seq < otherSeq);
}

export class TaskOrder {
  private readonly blocks: Block[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  insert(value: number, task: TaskRecord): void {
    this.count++;
    const blocks = this.blocks;
    const last = blocks[blocks.length - 1];
    if (last === undefined) {
      const block = new Block();
      block.values[0] = value;
      block.tasks.push(task);
      block.noteSeq(task.seq);
      blocks.push(block);
      return;
    }
    const n = last.length;
    if (!before(value, task.seq, last.values[n - 1] as number, (last.tasks[n - 1] as TaskRecord).seq)) {
      // Appending: a full last block starts a new one, so blocks filled in order stay full.
      if (n < BLOCK) {
        last.values[n] = value;
        last.tasks.push(task);
        last.noteSeq(task.seq);
      } else {
        const block = new Block();
        block.values[0] = value;
        block.tasks.push(task);
        block.noteSeq(task.seq);
        blocks.push(block);
      }
      return;
    }
    let b = this.blockFor(value, task.seq);
    if ((blocks[b] as Block).length === BLOCK) {
      // Only the last block fills up (by appends): split it first, so the shift below has room.
      this.split(b);
      b = this.blockFor(value, task.seq);
    }
    const block = blocks[b] as Block;
    const at = this.indexIn(block, value, task.seq);
    const length = block.length;
    block.values.copyWithin(at + 1, at, length);
    block.values[at] = value;
    // Shifted by hand: splice allocates an array per call, and this runs on ingest.
    const tasks = block.tasks;
    tasks.push(task);
    for (let i = length; i > at; i--) tasks[i] = tasks[i - 1] as TaskRecord;
    tasks[at] = task;
    block.noteSeq(task.seq);
    if (block.length === BLOCK) this.split(b);
  }

  /** Removes `task`, entered with `value`; false when it is not there. */
  remove(value: number, task: TaskRecord): boolean {
    if (this.count === 0) return false;
    const b = this.blockFor(value, task.seq);
    const block = this.blocks[b] as Block;
    const at = this.indexIn(block, value, task.seq);
    if (block.tasks[at] !== task) return false;
    this.count--;
    const length = block.length;
    block.values.copyWithin(at, at + 1, length);
    const tasks = block.tasks;
    for (let i = at; i < length - 1; i++) tasks[i] = tasks[i + 1] as TaskRecord;
    tasks.pop();
    if (tasks.length === 0) this.blocks.splice(b, 1);
    else if (tasks.length < BLOCK / 4) this.mergeWithNext(b);
    return true;
  }

  /** The smallest value held; null when empty. */
  firstValue(): number | null {
    const first = this.blocks[0];
    return first === undefined ? null : (first.values[0] as number);
  }

  /** The first place whose entry is at or after (value, seq); the end place when none is. */
  seek(value: number, seq: number): OrderPlace {
    if (this.count === 0) return { block: 0, index: 0 };
    const b = this.blockFor(value, seq);
    const block = this.blocks[b] as Block;
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

  /** The place `rank` entries from the start (clamped to the end): O(n / BLOCK). */
  placeAt(rank: number): OrderPlace {
    let left = rank;
    for (let b = 0; b < this.blocks.length; b++) {
      const length = (this.blocks[b] as Block).length;
      if (left < length) return { block: b, index: left };
      left -= length;
    }
    return this.end();
  }

  /** Entries before `place`: O(n / BLOCK). */
  rankOf(place: OrderPlace): number {
    let rank = 0;
    for (let b = 0; b < place.block && b < this.blocks.length; b++) rank += (this.blocks[b] as Block).length;
    return rank + (place.block < this.blocks.length ? place.index : 0);
  }

  /**
   * Visits the entries from place `lo` (included) to place `hi` (excluded), ascending when `forward`,
   * else descending, while `visit` returns true. Places come from seek, start, end and placeAt.
   */
  walk(lo: OrderPlace, hi: OrderPlace, forward: boolean, visit: (task: TaskRecord, value: number) => boolean): void {
    const blocks = this.blocks;
    if (forward) {
      for (let b = lo.block, i = lo.index; b < blocks.length && (b < hi.block || (b === hi.block && i < hi.index)); b++, i = 0) {
        const block = blocks[b] as Block;
        const stop = b === hi.block ? hi.index : block.length;
        for (; i < stop; i++) if (!visit(block.tasks[i] as TaskRecord, block.values[i] as number)) return;
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
        i = (blocks[b] as Block).length - 1;
      }
      if (b < lo.block || (b === lo.block && i < lo.index)) return;
      const block = blocks[b] as Block;
      const stop = b === lo.block ? lo.index : 0;
      for (; i >= stop; i--) if (!visit(block.tasks[i] as TaskRecord, block.values[i] as number)) return;
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
      const block = blocks[b] as Block;
      return newest ? -block.maxSeq : block.minSeq;
    };
    candidates.sort((x, y) => best(x) - best(y));
    const kept: TaskRecord[] = [];
    for (const b of candidates) {
      if (kept.length === k && best(b) >= sign * (kept[k - 1] as TaskRecord).seq) break;
      const block = blocks[b] as Block;
      const from = b === lo.block ? lo.index : 0;
      const to = b === hi.block ? hi.index : block.length;
      for (let i = from; i < to; i++) {
        const task = block.tasks[i] as TaskRecord;
        const key = sign * task.seq;
        if (key <= limit || (kept.length === k && key >= sign * (kept[k - 1] as TaskRecord).seq) || !accept(task)) continue;
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
    const blocks = this.blocks;
    let lo = 0;
    let hi = blocks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      const block = blocks[mid] as Block;
      if (before(value, seq, block.values[0] as number, (block.tasks[0] as TaskRecord).seq)) hi = mid - 1;
      else lo = mid;
    }
    return lo;
  }

  /** The first index in `block` whose entry is at or after (value, seq). */
  private indexIn(block: Block, value: number, seq: number): number {
    let lo = 0;
    let hi = block.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(block.values[mid] as number, (block.tasks[mid] as TaskRecord).seq, value, seq)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private split(b: number): void {
    const block = this.blocks[b] as Block;
    const half = block.length >>> 1;
    const second = new Block();
    second.values.set(block.values.subarray(half, block.length));
    for (let i = half; i < block.length; i++) second.tasks.push(block.tasks[i] as TaskRecord);
    block.tasks.length = half;
    block.recountSeqs();
    second.recountSeqs();
    this.blocks.splice(b + 1, 0, second);
  }

  /** A block down to a quarter joins the next one when both fit in half a block, so removals leave no dust. */
  private mergeWithNext(b: number): void {
    const block = this.blocks[b] as Block;
    const next = this.blocks[b + 1];
    if (next === undefined || block.length + next.length > BLOCK / 2) return;
    block.values.set(next.values.subarray(0, next.length), block.length);
    for (const task of next.tasks) block.tasks.push(task);
    block.noteSeq(next.minSeq);
    block.noteSeq(next.maxSeq);
    this.blocks.splice(b + 1, 1);
  }
}
