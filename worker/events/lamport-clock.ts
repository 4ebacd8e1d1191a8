/** Celery's per-process Lamport clock: forwarded for every event sent and every pidbox message received. */
export class LamportClock {
  private value = 0;

  forward(): number {
    this.value += 1;
    return this.value;
  }

  /** A clock seen from another node: ours moves past it. */
  adjust(other: number | null): number {
    if (other !== null && Number.isFinite(other)) this.value = Math.max(this.value, Math.trunc(other));
    return this.forward();
  }

  current(): number {
    return this.value;
  }
}
