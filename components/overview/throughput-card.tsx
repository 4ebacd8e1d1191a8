'use client';
/** Succeeded and failed tasks per second over the chosen window (GET /api/v1/metrics/overview). */
import type { UseQueryResult } from '@tanstack/react-query';
import type { OverviewResponse } from '@/lib/api/metrics';
import { RangePicker } from '../charts/range-picker';
import { TimeSeriesChart } from '../charts/time-series-chart';
import { formatCount, formatRate } from '../format/format-values';
import { MEMORY_RANGES, type OverviewRange } from './overview-range';
import styles from './overview.module.css';

const SERIES = [
  { key: 'succeeded', label: 'Succeeded /s', color: 'var(--chart-1)' },
  { key: 'failed', label: 'Failed /s', color: 'var(--chart-2)' },
] as const;

const RANGE_WORDS: Readonly<Record<OverviewRange, string>> = { '15m': 'last 15 minutes', '1h': 'last hour', '24h': 'last 24 hours', '7d': 'last 7 days', '30d': 'last 30 days' };

interface Props {
  readonly range: OverviewRange;
  readonly onRange: (range: OverviewRange) => void;
  readonly query: UseQueryResult<OverviewResponse>;
}

export function ThroughputCard({ range, onRange, query }: Props) {
  const data = query.data;
  // Minute buckets hold 60 s of counts: dividing by the bucket length keeps every range in the same unit.
  const perBucket = data ? data.step / 1000 : 1;
  const points = (data?.series ?? []).map((p) => ({ t: p.t, succeeded: p.succeeded / perBucket, failed: p.failed / perBucket }));
  let peak = 0;
  for (const p of points) peak = Math.max(peak, p.succeeded + p.failed);

  return (
    <section className="card" aria-label="Throughput">
      <div className={styles.cardHeader}>
        <h2>Throughput</h2>
        <RangePicker ranges={data?.ranges ?? MEMORY_RANGES} value={range} onChange={onRange} testId="throughput-range" />
      </div>
      {query.isError && !data ? (
        <p className={styles.error} role="alert">
          Could not load throughput: {query.error.message}
        </p>
      ) : (
        <>
          <TimeSeriesChart
            points={points}
            series={SERIES}
            height={240}
            format={formatRate}
            label={`Succeeded and failed tasks per second, ${RANGE_WORDS[range]}`}
            testId="throughput-chart"
          />
          <div className={styles.totals} data-testid="throughput-totals">
            <span>
              <strong data-testid="throughput-succeeded">{data ? formatCount(data.totals.succeeded) : '—'}</strong> succeeded
            </span>
            <span>
              <strong data-testid="throughput-failed">{data ? formatCount(data.totals.failed) : '—'}</strong> failed
            </span>
            <span>
              peak <strong data-testid="throughput-peak">{data ? formatRate(peak) : '—'}</strong>
            </span>
            <span>in the {RANGE_WORDS[range]}</span>
            {data !== undefined && data.resolution !== 'second' && <span>(per-{data.resolution} averages)</span>}
          </div>
        </>
      )}
    </section>
  );
}
