'use client';
/** Cluster health at a glance: live counts from the push, series and tables polled while shown. */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { OverviewResponse } from '@/lib/api/metrics';
import { fetchJson } from '../api/api-client';
import { useLiveOverview } from '../live/live-hooks';
import { LatencyCard } from './latency-card';
import { LiveStats, StateCounts } from './live-figures';
import { type OverviewRange, REFRESH_MS } from './overview-range';
import { QueuesCard } from './queues-card';
import { ServerCard } from './server-card';
import { ThroughputCard } from './throughput-card';
import styles from './overview.module.css';

export function OverviewPage() {
  const { overview, status } = useLiveOverview();
  const [range, setRange] = useState<OverviewRange>('15m');
  const metrics = useQuery({
    queryKey: ['metrics', 'overview', range],
    queryFn: ({ signal }) => fetchJson<OverviewResponse>('/api/v1/metrics/overview', { range }, signal),
    refetchInterval: REFRESH_MS[range],
    placeholderData: keepPreviousData,
  });

  return (
    <>
      <div className="page-header">
        <h1>Overview</h1>
        <p>{status === 'error' ? 'The live figures could not be subscribed to; reload the page.' : 'Live figures of the Celery cluster Pollen watches.'}</p>
      </div>
      <LiveStats overview={overview} />
      <StateCounts overview={overview} />
      <div className={styles.main}>
        <div className="stack">
          <ThroughputCard range={range} onRange={setRange} query={metrics} />
          <LatencyCard range={range} />
        </div>
        <div className="stack">
          <ServerCard ingest={metrics.data?.ingest} />
          <QueuesCard />
        </div>
      </div>
    </>
  );
}
