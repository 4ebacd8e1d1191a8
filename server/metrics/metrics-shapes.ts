/** What Metrics takes and gives besides events and counts: options, task facts, stats. */
import type { Dimension } from './metric-types';
import type { LatencySummary } from './sketch-ops';

export interface MetricsOptions {
  /** Epoch ms, for the "now" of queries. Default Date.now. */
  readonly clock?: () => number;
  /** Series per dimension before keys go to OTHER_KEY. Defaults 1000 / 500 / 200. */
  readonly maxTaskNames?: number;
  readonly maxWorkers?: number;
  readonly maxQueues?: number;
  /** DDSketch relative accuracy of percentiles. Default 0.01 (1 %). */
  readonly relativeAccuracy?: number;
  /** Bytes for 24 h of per-minute sketches; past it the oldest minutes go first. Default 64 MiB. */
  readonly latencyBudgetBytes?: number;
}

/** What the metrics read from the caller's record of a task; sent/received are sender timestamps (s). */
export interface TaskFacts {
  readonly name: string | null;
  readonly queue: string | null;
  readonly sent: number | null;
  readonly received: number | null;
  readonly eta: string | null;
}

export interface WorkerStats {
  readonly poolSize?: number | null;
  readonly rssBytes?: number | null;
}

export interface LatencyPoint {
  readonly t: number;
  readonly latency: LatencySummary;
}

export interface MetricsStats {
  readonly series: Record<Dimension, number>;
  /** Events that found their dimension full and went to OTHER_KEY. */
  readonly overflowEvents: Record<Exclude<Dimension, 'all'>, number>;
  /** Allocated bytes; `sketchesUsed` is the part of `sketches` holding closed minutes. */
  readonly bytes: { readonly counts: number; readonly gauges: number; readonly sketches: number; readonly sketchesUsed: number };
  /** Per-minute sketches dropped for the budget before they were 24 h old. */
  readonly sketchesEvicted: number;
  /** Oldest minute of latency kept, epoch ms, or null. */
  readonly latencySince: number | null;
  readonly errors: number;
}
