/** What a task declares about itself, with Celery's defaults (`Task` class attributes). */
import { parseRateLimit, type RateLimit } from '@/lib/celery';

export interface TaskOptions {
  /**
   * Names of the positional parameters after the context, in order, so that keyword arguments sent by
   * Python (`add.apply_async(kwargs={"y": 2})`) reach them. Without it, kwargs are only in `ctx.kwargs`.
   */
  readonly params?: readonly string[];
  /** `"10/m"`, `"5/s"`, `"100/h"`; null = none. */
  readonly rateLimit?: string | null;
  /** Seconds. The soft limit fires the context's AbortSignal; the hard limit fails the task. */
  readonly softTimeLimit?: number | null;
  readonly timeLimit?: number | null;
  /** Celery's default is 3; null retries forever. */
  readonly maxRetries?: number | null;
  /** Seconds before a retry when `retry()` gets no countdown and there is no backoff (Celery: 180). */
  readonly defaultRetryDelay?: number;
  /** Exponential backoff for `retry()` without countdown: factor in seconds (1 → 1, 2, 4, ...); false = off. */
  readonly retryBackoff?: number | false;
  readonly retryBackoffMax?: number;
  /** Full jitter on the backoff (Celery's retry_jitter, on by default). */
  readonly retryJitter?: boolean;
  /** Ack after the task ran instead of before: a worker that dies mid-task gets it redelivered. */
  readonly acksLate?: boolean;
  readonly ignoreResult?: boolean;
  /** Store STARTED (with pid and hostname) when the task begins (Celery's task_track_started). */
  readonly trackStarted?: boolean;
}

export interface ResolvedTaskOptions {
  readonly params: readonly string[] | null;
  rateLimit: string | null;
  /** Tasks per second, from rateLimit. */
  rate: RateLimit;
  softTimeLimit: number | null;
  timeLimit: number | null;
  readonly maxRetries: number | null;
  readonly defaultRetryDelay: number;
  readonly retryBackoff: number | false;
  readonly retryBackoffMax: number;
  readonly retryJitter: boolean;
  readonly acksLate: boolean;
  readonly ignoreResult: boolean;
  readonly trackStarted: boolean;
}

export function resolveTaskOptions(name: string, options: TaskOptions): ResolvedTaskOptions {
  const rate = parseRateLimit(options.rateLimit ?? null);
  if (!rate.ok) throw new Error(`task ${name}: ${rate.error.message}`);
  for (const key of ['softTimeLimit', 'timeLimit', 'maxRetries', 'defaultRetryDelay', 'retryBackoffMax'] as const) {
    const v = options[key];
    if (v !== undefined && v !== null && !(Number.isFinite(v) && v >= 0)) throw new Error(`task ${name}: ${key} must be a number >= 0, got ${String(v)}`);
  }
  return {
    params: options.params ?? null,
    rateLimit: options.rateLimit ?? null,
    rate: rate.value,
    softTimeLimit: options.softTimeLimit ?? null,
    timeLimit: options.timeLimit ?? null,
    maxRetries: options.maxRetries === undefined ? 3 : options.maxRetries,
    defaultRetryDelay: options.defaultRetryDelay ?? 180,
    retryBackoff: options.retryBackoff ?? false,
    retryBackoffMax: options.retryBackoffMax ?? 600,
    retryJitter: options.retryJitter ?? true,
    acksLate: options.acksLate ?? false,
    ignoreResult: options.ignoreResult ?? false,
    trackStarted: options.trackStarted ?? true,
  };
}

/** Celery's get_exponential_backoff_interval: factor * 2^retries, capped, optionally fully jittered. */
export function backoffCountdown(options: ResolvedTaskOptions, retries: number, random = Math.random): number {
  if (options.retryBackoff === false) return options.defaultRetryDelay;
  const countdown = Math.min(options.retryBackoffMax, options.retryBackoff * 2 ** retries);
  return options.retryJitter ? Math.floor(random() * (countdown + 1)) : countdown;
}
