/**
 * One block of a TaskOrder (task-order.ts): up to BLOCK entries (a value, an arrival number and the task's
 * slot, task-slots.ts) in sorted order, in typed arrays with room at both ends. All three are numbers, so
 * an entry goes in or out by a memory move of the shorter side, and comparing entries reads no task (a
 * cache miss each at a million tasks). Taking the oldest entries off the front, as eviction does to a
 * time order, costs nothing.
 */
import type { TaskRecord } from './task-record';

export const BLOCK = 512;

/** The held tasks by slot: what a block's slots point into. */
export type SlotTable = readonly (TaskRecord | null)[];

export class OrderBlock {
  private readonly values = new Float64Array(BLOCK);
  private readonly seqs = new Float64Array(BLOCK);
  private readonly slots = new Int32Array(BLOCK);
  /** Entry i is at head + i. */
  private head = 0;
  length = 0;
  /** Bounds of the arrival numbers held: exact after a split or merge, possibly loose after removals. */
  minSeq = Infinity;
  maxSeq = -Infinity;

  constructor(private readonly bySlot: SlotTable) {}

  value(i: number): number {
    return this.values[this.head + i] as number;
  }

  seq(i: number): number {
    return this.seqs[this.head + i] as number;
  }

  task(i: number): TaskRecord {
    return this.bySlot[this.slots[this.head + i] as number] as TaskRecord;
  }

  get full(): boolean {
    return this.length === BLOCK;
  }

  /** Whether an entry can go after the last one without moving any. */
  get roomAtEnd(): boolean {
    return this.head + this.length < BLOCK;
  }

  push(value: number, seq: number, slot: number): void {
    if (!this.roomAtEnd) this.moveTo(0);
    this.set(this.head + this.length, value, seq, slot);
    this.length++;
  }

  /** Puts an entry at index `at` (0..length); the block must not be full. */
  insertAt(at: number, value: number, seq: number, slot: number): void {
    if (this.head > 0 && (at < this.length / 2 || !this.roomAtEnd)) {
      // The front moves down by one.
      const h = this.head;
      this.move(h - 1, h, h + at);
      this.head--;
    } else {
      if (!this.roomAtEnd) this.moveTo(0);
      const from = this.head + at;
      this.move(from + 1, from, this.head + this.length);
    }
    this.set(this.head + at, value, seq, slot);
    this.length++;
  }

  removeAt(at: number): void {
    const h = this.head;
    if (at < this.length / 2) {
      // The front moves up by one.
      this.move(h + 1, h, h + at);
      this.head++;
    } else {
      this.move(h + at, h + at + 1, h + this.length);
    }
    this.length--;
    if (this.length === 0) this.head = 0;
  }

  /** Moves the upper half of this full block into a new one, which it returns. */
  splitOff(): OrderBlock {
    const second = new OrderBlock(this.bySlot);
    const half = this.length >>> 1;
    for (let i = half; i < this.length; i++) second.push(this.value(i), this.seq(i), this.slots[this.head + i] as number);
    this.length = half;
    this.recountSeqs();
    return second;
  }

  /** Takes every entry of `next` (which follows this block) after its own; both fit in one block. */
  absorb(next: OrderBlock): void {
    this.moveTo(0);
    for (let i = 0; i < next.length; i++) this.push(next.value(i), next.seq(i), next.slots[next.head + i] as number);
  }

  private set(at: number, value: number, seq: number, slot: number): void {
    this.values[at] = value;
    this.seqs[at] = seq;
    this.slots[at] = slot;
    if (seq < this.minSeq) this.minSeq = seq;
    if (seq > this.maxSeq) this.maxSeq = seq;
  }

  /** Copies entries [start, end) to `target`, as copyWithin does. */
  private move(target: number, start: number, end: number): void {
    this.values.copyWithin(target, start, end);
    this.seqs.copyWithin(target, start, end);
    this.slots.copyWithin(target, start, end);
  }

  private moveTo(head: number): void {
    if (head === this.head) return;
    this.move(head, this.head, this.head + this.length);
    this.head = head;
  }

  private recountSeqs(): void {
    this.minSeq = Infinity;
    this.maxSeq = -Infinity;
    for (let i = 0; i < this.length; i++) {
      const seq = this.seq(i);
      if (seq < this.minSeq) this.minSeq = seq;
      if (seq > this.maxSeq) this.maxSeq = seq;
    }
  }
}
