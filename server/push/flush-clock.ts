/**
 * The push channel's one timer: runs a flush at most once per interval, however many changes ask for
 * it. The first change after a quiet spell is flushed on the next turn of the event loop (so a lone
 * task-started reaches the browser at once); changes that follow within the interval wait for its end
 * and go out together. Asking while a flush is pending costs one comparison, which is what the
 * collector's hot path pays per event.
 */
export class FlushClock {
  private timer: NodeJS.Timeout | null = null;
  private last = -Infinity;

  constructor(
    private readonly intervalMs: number,
    private readonly run: () => void,
    private readonly now: () => number = Date.now,
  ) {}

  get pending(): boolean {
    return this.timer !== null;
  }

  request(): void {
    if (this.timer !== null) return;
    const wait = Math.max(0, this.last + this.intervalMs - this.now());
    this.timer = setTimeout(this.fire, wait);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private readonly fire = (): void => {
    this.timer = null;
    this.last = this.now();
    this.run();
  };
}
