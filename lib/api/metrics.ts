/**
 * JSON shapes of /api/v1/metrics/*, shared by the server that writes them and the dashboard that reads
 * them. Times are epoch ms; latencies are seconds, their quantiles within 1 % (DDSketch), min/max/mean
 * exact; counts are task events by the state they report.
 */

export type CountStateName = 'sent' | 'received' | 'started' | 'succeeded' | 'failed' | 'retried' | 'revoked' | 'rejected';
export type StateCounts = Readonly<Record<CountStateName, number>>;
export type LatencyKindName = 'runtime' | 'wait' | 'endToEnd';

export interface LatencyStats {
  readonly count: number;
  readonly min: number | null;
  readonly max: number | null;
  readonly mean: number | null;
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p99: number | null;
}

/** The window as resolved (range or from/to, defaults applied) and the bucket length used. */
export interface WindowEcho {
  readonly from: number;
  readonly to: number;
  /** `hour`: a window past 24 h, read from history's hourly rollups. */
  readonly resolution: 'second' | 'minute' | 'hour';
  /** Bucket length in ms (1000, 60000 or 3600000); a point's counts divided by step/1000 are per second. */
  readonly step: number;
}

export type ThroughputPoint = StateCounts & { readonly t: number };

export interface ThroughputResponse extends WindowEcho {
  readonly dimension: 'all' | 'task' | 'worker' | 'queue';
  /** Null for `all`; "(other)" is the series of keys past the dimension's cap. */
  readonly key: string | null;
  readonly totals: StateCounts;
  readonly points: readonly ThroughputPoint[];
}

export type LatencyPointJson = LatencyStats & { readonly t: number };

export interface LatencyResponse extends LatencyStats {
  readonly kind: LatencyKindName;
  /** Null: every task together. */
  readonly task: string | null;
  readonly from: number;
  readonly to: number;
  /** One summary per minute, with `series=true`. */
  readonly series?: readonly LatencyPointJson[];
}

export type LatencyByTaskRow = { readonly task: string } & Partial<Readonly<Record<LatencyKindName, LatencyStats>>>;

export interface LatencyByTaskResponse {
  /** The ranges this Pollen answers (7d and 30d with history), for the range picker. */
  readonly ranges: readonly MetricRange[];
  readonly from: number;
  readonly to: number;
  readonly kinds: readonly LatencyKindName[];
  /** Task names with observations in the window. */
  readonly tasks: readonly LatencyByTaskRow[];
}

export interface WorkerPointJson {
  /** Start of the minute, epoch ms. */
  readonly t: number;
  readonly active: number | null;
  readonly processed: number | null;
  readonly loadavg: number | null;
  readonly poolSize: number | null;
  readonly rssBytes: number | null;
}

export interface WorkerSeriesResponse {
  readonly worker: string;
  readonly from: number;
  readonly to: number;
  /** Always 60000: worker gauges are kept per minute (the last value received in it; null: none). */
  readonly step: number;
  readonly points: readonly WorkerPointJson[];
}

export interface WorkerPeriodsResponse {
  readonly worker: string;
  readonly from: number;
  readonly to: number;
  /** When the worker was online (epoch ms), oldest first; `to` null while it still is. */
  readonly periods: readonly { readonly from: number; readonly to: number | null }[];
}

/** The `range` values of the metrics endpoints; 7d and 30d are answered only by a Pollen that keeps history. */
export const METRIC_RANGES = ['15m', '1h', '24h', '7d', '30d'] as const;
export type MetricRange = (typeof METRIC_RANGES)[number];
/** What a Pollen without history (--db memory) answers: memory keeps 24 hours of metrics. */
export const MEMORY_METRIC_RANGES: readonly MetricRange[] = ['15m', '1h', '24h'];

export interface OverviewResponse extends WindowEcho {
  /** The ranges this Pollen answers (7d and 30d with history), for the range picker. */
  readonly ranges: readonly MetricRange[];
  readonly totals: StateCounts;
  /** Succeeded and failed per bucket of `step` ms. */
  readonly series: readonly { readonly t: number; readonly succeeded: number; readonly failed: number }[];
  readonly workers: { readonly online: number; readonly offline: number };
  /** Every task together over the window (whole minutes). */
  readonly latency: Readonly<Record<LatencyKindName, LatencyStats>>;
  readonly tasksInMemory: number;
  /** Null without a broker. */
  readonly ingest: { readonly eventsPerSecond: number; readonly eventsTotal: number } | null;
}
