/**
 * Event counters over a sliding window of fixed-length buckets: `slots` buckets × `width` counters in
 * one typed array, written in place, so memory is fixed whatever the traffic.
 *
 * Bucket b (an absolute bucket number, e.g. epoch seconds) lives in slot b mod slots. The ring
 * remembers the newest bucket written (`head`); moving forward clears the slots passed over, so a gap
 * longer than the window leaves nothing stale, and a ring nobody writes to needs no timer. Buckets
 * older than head − slots + 1 are gone; counts for them are refused.
 *
 * A ring can `spill` into a coarser one (seconds into minutes, `ratio` 60): a bucket's counts move
 * there when its slot is reused, so each event costs one increment, and a coarse bucket's count is
 * what it holds plus what the fine ring still holds for it (see ThroughputStore).
 *
 * Counters start as 8-bit and the ring widens itself to 16 and then 32 bits the first time one would
 * pass its limit (a busy series, once or twice): 1 byte per counter for the many quiet series, no
 * overflow for the busy ones.
 */
export class CountRing {
  private counts: Uint8Array | Uint16Array | Uint32Array;
  /** Largest value `counts` can hold. */
  private limit = 0xff;
  private head = -Infinity;

  constructor(
    readonly slots: number,
    readonly width: number,
    private readonly spill: CountRing | null = null,
    private readonly ratio = 1,
  ) {
    this.counts = new Uint8Array(slots * width);
  }

  /** Newest bucket written, or -Infinity. */
  get newest(): number {
    return this.head;
  }

  get bytes(): number {
    return this.counts.byteLength;
  }

  /** Whether `bucket` is in the window (written or not). */
  holds(bucket: number): boolean {
    return bucket <= this.head && bucket > this.head - this.slots;
  }

  /** Adds `n` to counter `index` of `bucket`; false when the bucket has left the window. */
  add(bucket: number, index: number, n = 1): boolean {
    if (bucket > this.head) this.advance(bucket);
    else if (bucket <= this.head - this.slots) return false;
    const i = this.slotOf(bucket) * this.width + index;
    if ((this.counts[i] as number) + n > this.limit) this.widen((this.counts[i] as number) + n);
    (this.counts[i] as number) += n;
    return true;
  }

  private widen(needed: number): void {
    if (needed > 0xffff) {
      this.counts = Uint32Array.from(this.counts);
      this.limit = 0xffffffff;
    } else {
      this.counts = Uint16Array.from(this.counts);
      this.limit = 0xffff;
    }
  }

  /** Counter `index` of `bucket`: 0 outside the window or for a bucket not yet reached. */
  get(bucket: number, index: number): number {
    if (!this.holds(bucket)) return 0;
    return this.counts[this.slotOf(bucket) * this.width + index] ?? 0;
  }

  /** Adds every counter of `bucket` into out[0 .. width). */
  addTo(bucket: number, out: Float64Array): void {
    if (!this.holds(bucket)) return;
    const base = this.slotOf(bucket) * this.width;
    for (let k = 0; k < this.width; k++) (out[k] as number) += this.counts[base + k] as number;
  }

  /** Forgets everything. */
  reset(): void {
    this.counts.fill(0);
    this.head = -Infinity;
  }

  private slotOf(bucket: number): number {
    const slot = bucket % this.slots;
    return slot < 0 ? slot + this.slots : slot;
  }

  /** Makes `bucket` the newest: the buckets whose slots it and those before it reuse are spilled and cleared. */
  private advance(bucket: number): void {
    if (this.head !== -Infinity) {
      const lastEvicted = Math.min(this.head, bucket - this.slots);
      for (let b = this.head - this.slots + 1; b <= lastEvicted; b++) this.evict(b);
    }
    this.head = bucket;
  }

  private evict(bucket: number): void {
    const base = this.slotOf(bucket) * this.width;
    const counts = this.counts;
    if (this.spill) {
      const coarse = Math.floor(bucket / this.ratio);
      for (let k = 0; k < this.width; k++) {
        const n = counts[base + k] as number;
        if (n > 0) this.spill.add(coarse, k, n);
      }
    }
    counts.fill(0, base, base + this.width);
  }
}
