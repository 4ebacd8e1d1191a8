export { Metrics } from './metrics';
export type { LatencyPoint, MetricsOptions, MetricsStats, TaskFacts, WorkerStats } from './metrics-shapes';
export { type BucketRange, bucketRange, COUNT_STATES, type Counts, type CountState, type Dimension, OTHER_KEY, type Resolution, type TimeWindow } from './metric-types';
export { LATENCY_KINDS, type LatencyKind } from './latency-store';
export type { LatencySummary } from './sketch-ops';
export type { CountPoint } from './throughput-store';
export type { WorkerPoint } from './worker-gauges';
export { feedWorkerStats, type StatsSink, type StatsSource, type WorkerStatsFeedOptions, WorkerStatsRecorder, workerStatsFrom } from './worker-stats-feed';
