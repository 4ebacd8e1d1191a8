/** The windows the overview's chart offers, and how often each is re-read while shown. */
import { MEMORY_METRIC_RANGES, METRIC_RANGES, type MetricRange } from '@/lib/api/metrics';

/** 7d and 30d are offered when the server says it answers them (it keeps history). */
export const OVERVIEW_RANGES = METRIC_RANGES;
export const MEMORY_RANGES = MEMORY_METRIC_RANGES;
export type OverviewRange = MetricRange;

/** Second buckets move every second; minute and hour buckets need not be re-read as often. */
export const REFRESH_MS: Readonly<Record<OverviewRange, number>> = { '15m': 3000, '1h': 15_000, '24h': 60_000, '7d': 300_000, '30d': 600_000 };
