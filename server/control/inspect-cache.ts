/**
 * What the workers answered to `inspect`, kept with the time it came, so that worker pages never wait on
 * a slow inspect: they are served the cache with its age while a refresh runs in the background. A
 * refresh asks every method at once (one broadcast each, as Flower's inspector does) and is coalesced:
 * while one is running, asking again joins it.
 */
import type { JsonValue } from '@/lib/celery';
import type { PidboxClient } from '@/lib/control';

/** What Flower's `/api/workers` shows per worker. */
export const INSPECT_METHODS = ['stats', 'active_queues', 'registered', 'scheduled', 'active', 'reserved', 'revoked', 'conf'] as const;
export type InspectMethod = (typeof INSPECT_METHODS)[number];

/** Replies older than this are refreshed: behind a page, or before an answer that needs the queue names. */
export const INSPECT_STALE_MS = 30_000;

export interface CachedReply {
  readonly value: JsonValue;
  /** Unix ms when the reply arrived. */
  readonly at: number;
}

export type WorkerInspection = Partial<Record<InspectMethod, CachedReply>>;

export interface InspectCacheOptions {
  /** How long a refresh waits for replies (Flower's --inspect-timeout, 1 s by default). */
  readonly timeoutMs: number;
  readonly now?: () => number;
  readonly onError?: (method: InspectMethod, err: unknown) => void;
  /** Masks secrets (--redact) in a reply before it is kept: active and reserved tasks carry their args. */
  readonly redact?: (value: JsonValue) => JsonValue;
}

export class InspectCache {
  private readonly byWorker = new Map<string, WorkerInspection>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly now: () => number;

  constructor(
    private readonly pidbox: PidboxClient,
    private readonly options: InspectCacheOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The last replies of a worker (empty when it never answered). */
  snapshot(worker: string): WorkerInspection {
    return this.byWorker.get(worker) ?? {};
  }

  workers(): string[] {
    return [...this.byWorker.keys()];
  }

  /** Asks now and resolves when the replies are in or the timeout passed; never rejects. */
  refresh(workers: readonly string[] | null = null): Promise<void> {
    const key = workers ? [...workers].sort().join('\n') : '*';
    let run = this.running.get(key);
    if (!run) {
      run = this.ask(workers).finally(() => this.running.delete(key));
      this.running.set(key, run);
    }
    return run;
  }

  /** A refresh nobody waits for. */
  refreshInBackground(workers: readonly string[] | null = null): void {
    void this.refresh(workers);
  }

  /** True when no worker answered yet, one of `expected` never did, or some worker's stats are older than `maxAgeMs`. */
  isStale(maxAgeMs: number, expected: Iterable<string> = []): boolean {
    if (this.byWorker.size === 0) return true;
    for (const worker of expected) if (!this.byWorker.has(worker)) return true;
    const now = this.now();
    for (const entry of this.byWorker.values()) if (!entry.stats || now - entry.stats.at > maxAgeMs) return true;
    return false;
  }

  forget(worker: string): void {
    this.byWorker.delete(worker);
  }

  private async ask(workers: readonly string[] | null): Promise<void> {
    const destination = workers && workers.length > 0 ? workers : null;
    await Promise.all(
      INSPECT_METHODS.map(async (method) => {
        try {
          const replies = await this.pidbox.inspect(method, method === 'conf' ? { with_defaults: false } : {}, { destination, timeout: this.options.timeoutMs });
          const at = this.now();
          for (const [node, value] of Object.entries(replies)) {
            const entry = this.byWorker.get(node) ?? {};
            entry[method] = { value: this.options.redact === undefined ? value : this.options.redact(value), at };
            this.byWorker.set(node, entry);
          }
        } catch (err) {
          this.options.onError?.(method, err);
        }
      }),
    );
  }
}
