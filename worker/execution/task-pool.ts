/**
 * Where accepted requests wait and run: ETA timers (scheduled), rate-limit buckets and concurrency slots
 * (reserved), and the running set (active). Celery's timer + pool, for async functions in one process.
 */
import { TokenBucket } from './token-bucket';
import type { Executor } from './executor';
import { type Request, RequestStage } from './request';
import { TaskRevokedError } from '../task/task-errors';

export class TaskPool {
  readonly active = new Map<string, Request>();
  readonly scheduled = new Map<string, { readonly request: Request; readonly timer: NodeJS.Timeout; readonly eta: number }>();
  private readonly ready: Request[] = [];
  private readonly buckets = new Map<string, TokenBucket>();
  private rateTimer: NodeJS.Timeout | null = null;
  private idleWaiters: (() => void)[] = [];
  /** Runs started since the worker started, in all and per task name (`stats.total`). */
  processed = 0;
  readonly totals = new Map<string, number>();

  constructor(
    private readonly executor: Executor,
    public concurrency: number,
    /** Called when the number of held requests changes (the consumer's prefetch follows ETA tasks). */
    private readonly onScheduledChange: (scheduled: number) => void = () => undefined,
  ) {}

  reserved(): Request[] {
    return [...this.ready];
  }

  /** A request that passed the revoked/expired checks: wait for its ETA, or queue it. */
  accept(request: Request): void {
    const eta = request.etaMs();
    const delay = eta === null ? 0 : eta - Date.now();
    if (delay > 0) {
      request.stage = RequestStage.Scheduled;
      // setTimeout holds at most ~24.8 days; a farther ETA is re-armed when that fires.
      const timer = setTimeout(() => this.due(request), Math.min(delay, 2 ** 31 - 1));
      this.scheduled.set(request.id, { request, timer, eta: eta as number });
      this.onScheduledChange(this.scheduled.size);
      return;
    }
    this.reserve(request);
  }

  private due(request: Request): void {
    const entry = this.scheduled.get(request.id);
    if (!entry) return;
    if (entry.eta > Date.now()) {
      this.scheduled.delete(request.id);
      this.accept(request);
      return;
    }
    this.scheduled.delete(request.id);
    this.onScheduledChange(this.scheduled.size);
    this.reserve(request);
  }

  private reserve(request: Request): void {
    request.stage = RequestStage.Reserved;
    this.ready.push(request);
    this.pump();
  }

  /** Starts what can start: a free slot, and a token when the task type is rate-limited. */
  pump(): void {
    let soonest = Infinity;
    for (let i = 0; i < this.ready.length && this.active.size < this.concurrency; ) {
      const request = this.ready[i] as Request;
      const wait = this.tokenWait(request);
      if (wait > 0) {
        soonest = Math.min(soonest, wait);
        i++;
        continue;
      }
      this.ready.splice(i, 1);
      this.start(request);
    }
    if (soonest !== Infinity && !this.rateTimer) {
      this.rateTimer = setTimeout(() => {
        this.rateTimer = null;
        this.pump();
      }, soonest);
    }
  }

  private tokenWait(request: Request): number {
    const rate = request.task.options.rate;
    if (rate === null) return 0;
    let bucket = this.buckets.get(request.name);
    if (!bucket) {
      bucket = new TokenBucket(rate);
      this.buckets.set(request.name, bucket);
    }
    bucket.setRate(rate);
    return bucket.take() ? 0 : Math.max(1, bucket.wait());
  }

  /** The rate limit changed (rate_limit command): the bucket starts over. */
  resetRate(taskName: string): void {
    this.buckets.delete(taskName);
    this.pump();
  }

  private start(request: Request): void {
    request.stage = RequestStage.Active;
    this.active.set(request.id, request);
    this.processed += 1;
    this.totals.set(request.name, (this.totals.get(request.name) ?? 0) + 1);
    void this.executor.execute(request).finally(() => {
      request.stage = RequestStage.Done;
      this.active.delete(request.id);
      if (this.active.size === 0) for (const wake of this.idleWaiters.splice(0)) wake();
      this.pump();
    });
  }

  /**
   * Revoke: waiting requests end as revoked now; running ones are terminated when asked (their signal
   * fires and the run is abandoned). Returns the ids that were running here.
   */
  revoke(ids: readonly string[], terminate: boolean, signum: number): string[] {
    const running: string[] = [];
    for (const id of ids) {
      const active = this.active.get(id);
      if (active) {
        running.push(id);
        if (terminate && !active.settled) active.abort.abort(new TaskRevokedError('terminated', signum));
        continue;
      }
      const entry = this.scheduled.get(id);
      const waiting = entry?.request ?? this.ready.find((r) => r.id === id);
      if (!waiting) continue;
      if (entry) {
        clearTimeout(entry.timer);
        this.scheduled.delete(id);
        this.onScheduledChange(this.scheduled.size);
      }
      const at = this.ready.indexOf(waiting);
      if (at !== -1) this.ready.splice(at, 1);
      waiting.stage = RequestStage.Done;
      void this.executor.revoked(waiting, 'revoked');
    }
    return running;
  }

  /** Takes every request that has not started (for shutdown: they go back to the broker). */
  takeWaiting(): Request[] {
    const waiting = [...this.ready.splice(0)];
    for (const { request, timer } of this.scheduled.values()) {
      clearTimeout(timer);
      waiting.push(request);
    }
    this.scheduled.clear();
    if (this.rateTimer) clearTimeout(this.rateTimer);
    this.rateTimer = null;
    return waiting;
  }

  /** Resolves when nothing runs. */
  idle(): Promise<void> {
    if (this.active.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
