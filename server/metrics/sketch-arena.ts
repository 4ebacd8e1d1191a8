/**
 * Closed sketches (one per series, latency kind and bucket), packed as records into one circular
 * Uint32Array: no object per sketch, so 24 h of per-minute sketches for hundreds of task names costs
 * a few bytes per occupied bucket instead of a DDSketch each (~1 kB).
 *
 * Records are appended in time order and leave in the same order: `trimBefore` drops those that aged
 * out, and when the arena is at its budget (`maxWords`) the oldest go first to make room (counted in
 * `evicted`), so under extreme cardinality the latency history gets shorter, never the memory larger.
 * The buffer starts small and doubles up to the budget.
 *
 * Record layout (32-bit words): length | kind << 16 | SPARSE, time, series, count, sum (f64), min (f64),
 * max (f64), first key, then either the counts of keys first, first + 1, … (dense) or (key, count)
 * pairs (sparse), whichever is smaller; the zero bucket's count is what the bins leave of `count`.
 * A first word of 0 marks the end of the data before it wraps to the start.
 */
import type { DDSketch } from '@datadog/sketches-js';
import { addSummary } from './sketch-ops';

const FLAGS = 0;
const TIME = 1;
const SERIES = 2;
const COUNT = 3;
const SUM = 4;
const MIN = 6;
const MAX = 8;
const FIRST_KEY = 10;
const HEADER = 11;
const LEN_MASK = 0xffff;
const KIND_SHIFT = 16;
const SPARSE = 1 << 24;

const f64 = new Float64Array(1);
const f64Words = new Uint32Array(f64.buffer);

export class SketchArena {
  private u32: Uint32Array;
  private i32: Int32Array;
  /** Next write position and oldest record; `records` tells full from empty when they meet. */
  private head = 0;
  private tail = 0;
  records = 0;
  private usedWords = 0;
  /** Records dropped for room before they aged out. */
  evicted = 0;

  constructor(
    readonly maxWords: number,
    initialWords = 4096,
  ) {
    this.u32 = new Uint32Array(Math.min(initialWords, maxWords));
    this.i32 = new Int32Array(this.u32.buffer);
  }

  get capacityBytes(): number {
    return this.u32.byteLength;
  }

  /** Bytes of the records kept (capacityBytes is what is allocated). */
  get usedBytes(): number {
    return this.usedWords * 4;
  }

  /** Time of the oldest record kept, or null. */
  get oldestTime(): number | null {
    return this.records === 0 ? null : (this.u32[this.tail + TIME] as number);
  }

  /** Packs `sketch` as the record of (time, series, kind). Times must not decrease from call to call. */
  append(time: number, series: number, kind: number, sketch: DDSketch): void {
    const store = sketch.store;
    const bins = store.bins;
    const range = store.count > 0 ? store.maxKey - store.minKey + 1 : 0;
    let nonZero = 0;
    for (let k = 0; k < range; k++) if ((bins[store.minKey + k - store.offset] ?? 0) > 0) nonZero++;
    const sparse = nonZero * 2 < range;
    const n = sparse ? nonZero : range;
    const len = HEADER + (sparse ? n * 2 : n);
    const pos = len > LEN_MASK ? -1 : this.reserve(len);
    if (pos < 0) return;
    const u32 = this.u32;
    u32[pos + FLAGS] = len | (kind << KIND_SHIFT) | (sparse ? SPARSE : 0);
    u32[pos + TIME] = time;
    u32[pos + SERIES] = series;
    u32[pos + COUNT] = sketch.count;
    this.writeF64(pos + SUM, sketch.sum);
    this.writeF64(pos + MIN, sketch.min);
    this.writeF64(pos + MAX, sketch.max);
    this.i32[pos + FIRST_KEY] = range > 0 ? store.minKey : 0;
    let at = pos + HEADER;
    for (let k = 0; k < range; k++) {
      const count = bins[store.minKey + k - store.offset] ?? 0;
      if (!sparse) u32[at++] = count;
      else if (count > 0) {
        this.i32[at++] = store.minKey + k;
        u32[at++] = count;
      }
    }
    this.head = pos + len;
    this.records++;
    this.usedWords += len;
  }

  /** Drops the records older than `time`. */
  trimBefore(time: number): void {
    while (this.records > 0 && (this.u32[this.tail + TIME] as number) < time) this.dropOldest();
  }

  /** Calls `visit` with the position of every record whose time is in [from, to], oldest first. */
  forEach(from: number, to: number, visit: (pos: number) => void): void {
    const u32 = this.u32;
    let pos = this.tail;
    for (let k = 0; k < this.records; k++) {
      if (pos >= u32.length || u32[pos] === 0) pos = 0;
      const time = u32[pos + TIME] as number;
      if (time > to) return;
      if (time >= from) visit(pos);
      pos += (u32[pos + FLAGS] as number) & LEN_MASK;
    }
  }

  timeAt(pos: number): number {
    return this.u32[pos + TIME] as number;
  }

  seriesAt(pos: number): number {
    return this.u32[pos + SERIES] as number;
  }

  kindAt(pos: number): number {
    return ((this.u32[pos + FLAGS] as number) >>> KIND_SHIFT) & 0xff;
  }

  /** Adds the record at `pos` into `target` (a sketch of the same relative accuracy). */
  mergeInto(pos: number, target: DDSketch): void {
    const u32 = this.u32;
    const count = u32[pos + COUNT] as number;
    if (count === 0) return;
    const flags = u32[pos + FLAGS] as number;
    const words = (flags & LEN_MASK) - HEADER;
    const data = pos + HEADER;
    let binned = 0;
    if ((flags & SPARSE) !== 0) {
      for (let i = 0; i < words; i += 2) {
        const c = u32[data + i + 1] as number;
        target.store.add(this.i32[data + i] as number, c);
        binned += c;
      }
    } else {
      const first = this.i32[pos + FIRST_KEY] as number;
      for (let i = 0; i < words; i++) {
        const c = u32[data + i] as number;
        if (c > 0) target.store.add(first + i, c);
        binned += c;
      }
    }
    addSummary(target, count, count - binned, this.readF64(pos + SUM), this.readF64(pos + MIN), this.readF64(pos + MAX));
  }

  /** Where a record of `len` words goes, making room (growing, else dropping the oldest); -1 if it never fits. */
  private reserve(len: number): number {
    if (len > this.maxWords) return -1;
    for (;;) {
      const pos = this.fit(len);
      if (pos >= 0) return pos;
      if (this.u32.length < this.maxWords) this.grow(len);
      else {
        this.dropOldest();
        this.evicted++;
      }
    }
  }

  private fit(len: number): number {
    const capacity = this.u32.length;
    if (this.records === 0) {
      this.head = this.tail = 0;
      return len <= capacity ? 0 : -1;
    }
    if (this.head > this.tail) {
      if (capacity - this.head >= len) return this.head;
      if (this.tail < len) return -1;
      if (this.head < capacity) this.u32[this.head] = 0;
      return 0;
    }
    return this.tail - this.head >= len ? this.head : -1;
  }

  private dropOldest(): void {
    const len = (this.u32[this.tail + FLAGS] as number) & LEN_MASK;
    this.tail += len;
    this.usedWords -= len;
    this.records--;
    if (this.records === 0) this.head = this.tail = 0;
    else if (this.tail >= this.u32.length || this.u32[this.tail] === 0) this.tail = 0;
  }

  /** Copies the records, oldest first, to the start of a buffer at least twice as large (up to the budget). */
  private grow(len: number): void {
    const size = Math.min(this.maxWords, Math.max(this.u32.length * 2, this.u32.length + len));
    const next = new Uint32Array(size);
    let written = 0;
    this.forEach(0, Infinity, (pos) => {
      const recordLen = (this.u32[pos + FLAGS] as number) & LEN_MASK;
      next.set(this.u32.subarray(pos, pos + recordLen), written);
      written += recordLen;
    });
    this.u32 = next;
    this.i32 = new Int32Array(next.buffer);
    this.tail = 0;
    this.head = written;
  }

  private writeF64(at: number, value: number): void {
    f64[0] = value;
    this.u32[at] = f64Words[0] as number;
    this.u32[at + 1] = f64Words[1] as number;
  }

  private readF64(at: number): number {
    f64Words[0] = this.u32[at] as number;
    f64Words[1] = this.u32[at + 1] as number;
    return f64[0] as number;
  }
}
