/**
 * One block of a TaskOrder (task-order.ts): up to BLOCK entries (a value, an arrival number and the task's
 * slot, task-slots.ts) in sorted order, side by side in one Float64Array with room at both ends. All
 * three are numbers, so an entry goes in or out by one memory move of the shorter side, and comparing
 * entries reads no task (a cache miss each at a million tasks). Taking the oldest entries off the front,
 * as eviction does to a time order, moves nothing.
 */
import type { TaskRecord } from './task-record';

export const BLOCK = 256;
/** Numbers per entry: value, arrival number, slot. */
const WIDTH = 3;

/** The held tasks by slot: what a block's slots point into. */
export type SlotTable = readonly (TaskRecord | null)[];

export class OrderBlock {
  private readonly data = new Float64Array(BLOCK * WIDTH);
  /** Entry i is at head + i. */
  private head = 0;
  length = 0;
  /** Bounds of the arrival numbers held: exact after a split or merge, possibly loose after removals. */
  minSeq = Infinity;
  maxSeq = -Infinity;

  constructor(private readonly bySlot: SlotTable) {}

  value(i: number): number {
    return this.data[(this.head + i) * WIDTH] as number;
  }

  seq(i: number): number {
    return this.data[(this.head + i) * WIDTH + 1] as number;
  }

  slot(i: number): number {
    return this.data[(this.head + i) * WIDTH + 2] as number;
  }

  task(i: number): TaskRecord {
    return this.bySlot[this.slot(i)] as TaskRecord;
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
      if (at > 0) this.move(h - 1, h, h + at);
      this.head--;
    } else {
      if (!this.roomAtEnd) this.moveTo(0);
      const from = this.head + at;
      if (at < this.length) this.move(from + 1, from, this.head + this.length);
    }
    this.set(this.head + at, value, seq, slot);
    this.length++;
  }

  removeAt(at: number): void {
    const h = this.head;
    if (at < this.length / 2) {
      // The front moves up by one.
      if (at > 0) this.move(h + 1, h, h + at);
      this.head++;
    } else if (at < this.length - 1) {
      this.move(h + at, h + at + 1, h + this.length);
    }
    this.length--;
    if (this.length === 0) this.head = 0;
  }

  /** Moves the upper half of this full block into a new one, which it returns. */
  splitOff(): OrderBlock {
    const second = new OrderBlock(this.bySlot);
    const half = this.length >>> 1;
    second.data.set(this.data.subarray((this.head + half) * WIDTH, (this.head + this.length) * WIDTH));
    second.length = this.length - half;
    second.recountSeqs();
    this.length = half;
    this.recountSeqs();
    return second;
  }

  /** Takes every entry of `next` (which follows this block) after its own; both fit in one block. */
  absorb(next: OrderBlock): void {
    this.moveTo(0);
    this.data.set(next.data.subarray(next.head * WIDTH, (next.head + next.length) * WIDTH), this.length * WIDTH);
    this.length += next.length;
    if (next.minSeq < this.minSeq) this.minSeq = next.minSeq;
    if (next.maxSeq > this.maxSeq) this.maxSeq = next.maxSeq;
  }

  private set(at: number, value: number, seq: number, slot: number): void {
    const i = at * WIDTH;
    this.data[i] = value;
    this.data[i + 1] = seq;
    this.data[i + 2] = slot;
    if (seq < this.minSeq) this.minSeq = seq;
    if (seq > this.maxSeq) this.maxSeq = seq;
  }

  /** Copies entries [start, end) to `target`, as copyWithin does. */
  private move(target: number, start: number, end: number): void {
    this.data.copyWithin(target * WIDTH, start * WIDTH, end * WIDTH);
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
