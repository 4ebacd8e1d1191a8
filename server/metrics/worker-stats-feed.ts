/**
 * Pool size and memory per worker over time, from `inspect stats` replies: every `checkEveryMs` the
 * cached replies that arrived since the last look are recorded into Metrics (whoever asked for them: this
 * feed, a worker page, /api/workers?refresh), and when the online workers' stats are older than
 * `refreshAfterMs` a background refresh is asked for. Nothing here waits on a worker.
 *
 * From a stats reply: pool size is `pool['max-concurrency']` (prefork, threads, eventlet/gevent; solo
 * says 1), memory is `rusage.maxrss`, which Celery takes from getrusage(RUSAGE_SELF): the main process's
 * peak resident set, in kB on Linux.
 */
import type { JsonValue } from '@/lib/celery';
import type { WorkerStats } from './metrics-shapes';

/** The part of the inspect cache this feed reads (server/control's InspectCache fits it). */
export interface StatsSource {
  workers(): string[];
  snapshot(worker: string): { readonly stats?: { readonly value: JsonValue; readonly at: number } };
  /** True when no worker answered yet, one of `expected` never did, or some stats are older than maxAgeMs. */
  isStale(maxAgeMs: number, expected?: Iterable<string>): boolean;
  refreshInBackground(): void;
}

/** Where the stats go (Metrics fits it). */
export interface StatsSink {
  recordWorkerStats(worker: string, stats: WorkerStats, atMs: number): void;
}

export interface WorkerStatsFeedOptions {
  /** Node names of the workers online now; no refresh is asked while there are none. */
  readonly onlineWorkers: () => readonly string[];
  /** Default 10 s. */
  readonly checkEveryMs?: number;
  /** Default 30 s, the inspect cache's own staleness. */
  readonly refreshAfterMs?: number;
}

/** Pool size and resident memory from one worker's `inspect stats` reply; null when it has neither. */
export function workerStatsFrom(reply: JsonValue): WorkerStats | null {
  if (!isObject(reply)) return null;
  const pool = reply['pool'];
  const rusage = reply['rusage'];
  const poolSize = isObject(pool) ? finite(pool['max-concurrency']) : null;
  const maxrssKb = isObject(rusage) ? finite(rusage['maxrss']) : null;
  if (poolSize === null && maxrssKb === null) return null;
  return { poolSize, rssBytes: maxrssKb === null ? null : maxrssKb * 1024 };
}

/** Records the replies that are new since the last call; returns how many were recorded. */
export class WorkerStatsRecorder {
  private readonly recordedAt = new Map<string, number>();

  constructor(
    private readonly source: StatsSource,
    private readonly sink: StatsSink,
  ) {}

  recordNew(): number {
    let recorded = 0;
    const names = this.source.workers();
    for (const worker of names) {
      const reply = this.source.snapshot(worker).stats;
      if (!reply || reply.at <= (this.recordedAt.get(worker) ?? -Infinity)) continue;
      this.recordedAt.set(worker, reply.at);
      const stats = workerStatsFrom(reply.value);
      if (stats === null) continue;
      this.sink.recordWorkerStats(worker, stats, reply.at);
      recorded++;
    }
    if (this.recordedAt.size > names.length) {
      const present = new Set(names);
      for (const worker of this.recordedAt.keys()) if (!present.has(worker)) this.recordedAt.delete(worker);
    }
    return recorded;
  }
}

/** Starts the periodic feed; returns the function that stops it. */
export function feedWorkerStats(source: StatsSource, sink: StatsSink, options: WorkerStatsFeedOptions): () => void {
  const recorder = new WorkerStatsRecorder(source, sink);
  const refreshAfterMs = options.refreshAfterMs ?? 30_000;
  const timer = setInterval(() => {
    try {
      recorder.recordNew();
      const online = options.onlineWorkers();
      if (online.length > 0 && source.isStale(refreshAfterMs, online)) source.refreshInBackground();
    } catch {
      // A bad reply must not stop the feed; the next round tries again.
    }
  }, options.checkEveryMs ?? 10_000);
  timer.unref();
  return () => clearInterval(timer);
}

function isObject(value: JsonValue | undefined): value is { readonly [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function finite(value: JsonValue | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
