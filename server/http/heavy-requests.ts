/**
 * A bound on requests that read the whole model (routes marked `heavy`, such as Flower's GET /api/tasks,
 * which has no limit by default): a few run at once, a few more wait their turn in arrival order, and the
 * rest are told to come back (503 with Retry-After). Eight unbounded /api/tasks at once took a server from
 * 450 MB to 1.86 GB; waiting briefly is what a script polling the API copes with best, and a refusal it
 * can retry is better than a server that stops answering everyone.
 */
export interface HeavyRequestLimits {
  /** Heavy requests served at once. */
  readonly running: number;
  /** Heavy requests waiting for a turn; one more is refused at once. */
  readonly waiting: number;
  /** How long one waits for its turn before it is refused. */
  readonly waitMs: number;
}

export const HEAVY_REQUEST_LIMITS: HeavyRequestLimits = { running: 2, waiting: 8, waitMs: 30_000 };

/** What a refused request is told to wait before trying again (Retry-After, seconds). */
export const RETRY_AFTER_SECONDS = 5;

/** Gives back the turn; calling it again does nothing. */
export type Release = () => void;

export class HeavyRequests {
  private running = 0;
  private readonly queue: Array<(release: Release) => void> = [];

  constructor(private readonly limits: HeavyRequestLimits = HEAVY_REQUEST_LIMITS) {}

  /** A turn (call the release when the response is done), or null when the request must be refused. */
  acquire(): Promise<Release | null> {
    if (this.running < this.limits.running) {
      this.running++;
      return Promise.resolve(this.releaser());
    }
    if (this.queue.length >= this.limits.waiting) return Promise.resolve(null);
    return new Promise((resolve) => {
      const take = (release: Release): void => {
        clearTimeout(timer);
        resolve(release);
      };
      const timer = setTimeout(() => {
        const at = this.queue.indexOf(take);
        if (at >= 0) this.queue.splice(at, 1);
        resolve(null);
      }, this.limits.waitMs);
      this.queue.push(take);
    });
  }

  /** Requests being served and waiting now. */
  load(): { readonly running: number; readonly waiting: number } {
    return { running: this.running, waiting: this.queue.length };
  }

  private releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      // The turn passes straight to the next in line; the count only drops when nobody waits.
      if (next) next(this.releaser());
      else this.running--;
    };
  }
}
