/**
 * A FIFO of ids with O(1) push and shift, for eviction order. Never evict by walking a Map's iterator:
 * V8 walks every deleted slot too, which cost 16 % event loss in shared/PERF.md's measurement.
 */
export class IdQueue {
  private items: (string | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(id: string): void {
    this.items.push(id);
  }

  shift(): string | undefined {
    if (this.head >= this.items.length) return undefined;
    const id = this.items[this.head];
    this.items[this.head++] = undefined;
    // Drop the consumed front once it is half the array, so the array stays proportional to what is queued.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return id;
  }

  /** Keeps only the ids `keep` accepts, in order (O(n); for occasional compaction). */
  retain(keep: (id: string) => boolean): void {
    const kept: string[] = [];
    for (let i = this.head; i < this.items.length; i++) {
      const id = this.items[i];
      if (id !== undefined && keep(id)) kept.push(id);
    }
    this.items = kept;
    this.head = 0;
  }
}
