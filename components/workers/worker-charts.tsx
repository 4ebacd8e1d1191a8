'use client';
/**
 * The worker over time: tasks it finished per second (the last 15 min, from the throughput metrics by
 * worker) and its gauges per minute (active tasks, load, pool size over the same 15 min).
 */
import { useQuery } from '@tanstack/react-query';
import type { ThroughputResponse, WorkerSeriesResponse } from '@/lib/api/metrics';
import { fetchJson } from '../api/api-client';
import { TimeSeriesChart } from '../charts/time-series-chart';
import { formatCount, formatRate } from '../format/format-values';

/** One-second buckets over 15 min are too jagged to read: ten of them make one point. */
const POINT_MS = 10_000;

type RatePoint = { t: number; succeeded: number; failed: number; received: number };

export function ratePoints(response: ThroughputResponse): RatePoint[] {
  const perPoint = Math.max(1, Math.round(POINT_MS / response.step));
  const seconds = (perPoint * response.step) / 1000;
  const out: RatePoint[] = [];
  for (let i = 0; i < response.points.length; i += perPoint) {
    const slice = response.points.slice(i, i + perPoint);
    const sum = (key: 'succeeded' | 'failed' | 'received'): number => slice.reduce((total, p) => total + p[key], 0) / seconds;
    out.push({ t: (slice[0] as { t: number }).t, succeeded: sum('succeeded'), failed: sum('failed'), received: sum('received') });
  }
  return out;
}

export function WorkerCharts({ hostname }: { hostname: string }) {
  const throughput = useQuery({
    queryKey: ['worker-throughput', hostname],
    queryFn: ({ signal }) => fetchJson<ThroughputResponse>('/api/v1/metrics/throughput', { range: '15m', dimension: 'worker', key: hostname }, signal),
    refetchInterval: 5_000,
  });
  const gauges = useQuery({
    queryKey: ['worker-gauges', hostname],
    queryFn: ({ signal }) => fetchJson<WorkerSeriesResponse>(`/api/v1/metrics/workers/${encodeURIComponent(hostname)}`, { range: '15m' }, signal),
    refetchInterval: 30_000,
  });
  const totals = throughput.data?.totals;

  return (
    <div className="grid cols-2">
      <section className="card" aria-labelledby="worker-throughput-title">
        <h2 id="worker-throughput-title">
          Tasks per second <span className="muted">· last 15 min</span>
        </h2>
        {throughput.error ? (
          <p className="status-bad">Could not read the throughput: {throughput.error.message}</p>
        ) : throughput.data === undefined ? (
          <p className="empty">Loading…</p>
        ) : (
          <>
            <p className="muted" data-testid="worker-throughput-totals">
              {formatCount(totals?.succeeded)} succeeded, {formatCount(totals?.failed)} failed, {formatCount(totals?.received)} received
            </p>
            <TimeSeriesChart
              points={ratePoints(throughput.data)}
              series={[
                { key: 'succeeded', label: 'succeeded/s', color: 'var(--chart-1)' },
                { key: 'failed', label: 'failed/s', color: 'var(--chart-2)' },
                { key: 'received', label: 'received/s', color: 'var(--chart-3)' },
              ]}
              format={formatRate}
              label={`Tasks per second on ${hostname} over the last 15 minutes`}
              testId="worker-throughput-chart"
            />
          </>
        )}
      </section>
      <section className="card" aria-labelledby="worker-gauges-title">
        <h2 id="worker-gauges-title">
          Load <span className="muted">· last 15 min, per minute</span>
        </h2>
        {gauges.error ? (
          <p className="status-bad">Could not read the worker's gauges: {gauges.error.message}</p>
        ) : gauges.data === undefined ? (
          <p className="empty">Loading…</p>
        ) : (
          <GaugeChart hostname={hostname} response={gauges.data} />
        )}
      </section>
    </div>
  );
}

/** Gauges are kept per minute: a line needs two minutes of them; until then the last values are shown. */
function GaugeChart({ hostname, response }: { hostname: string; response: WorkerSeriesResponse }) {
  const known = response.points.filter((p) => p.active !== null || p.loadavg !== null || p.poolSize !== null);
  const last = known[known.length - 1];
  if (known.length < 2) {
    return (
      <p className="empty" data-testid="worker-gauges-pending">
        {last === undefined
          ? 'No heartbeat recorded in the last 15 minutes.'
          : `This minute: ${last.active ?? '—'} active, load ${last.loadavg?.toFixed(2) ?? '—'}, pool ${last.poolSize ?? '—'}. The chart draws once two minutes are recorded.`}
      </p>
    );
  }
  return (
    <>
      <p className="muted">Active tasks, 1-minute load average and pool size, as heartbeats and inspect reported them.</p>
      <TimeSeriesChart
        points={response.points.map((p) => ({ t: p.t, active: p.active, loadavg: p.loadavg, poolSize: p.poolSize }))}
        series={[
          { key: 'active', label: 'active', color: 'var(--chart-4)' },
          { key: 'loadavg', label: 'load', color: 'var(--chart-5)' },
          { key: 'poolSize', label: 'pool', color: 'var(--chart-6)' },
        ]}
        format={(v) => (Number.isInteger(v) ? String(v) : v.toFixed(2))}
        label={`Active tasks, load and pool size of ${hostname} over the last 15 minutes`}
        testId="worker-gauges-chart"
      />
    </>
  );
}
