'use client';
/** Runtime and wait percentiles per task name over the overview's window (GET /api/v1/metrics/latency/by-task). */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import type { LatencyByTaskResponse } from '@/lib/api/metrics';
import { fetchJson } from '../api/api-client';
import { BreakableName } from '../format/breakable-name';
import { formatCount, formatDuration } from '../format/format-values';
import type { OverviewRange } from './overview-range';
import styles from './overview.module.css';

/** The busiest task names: a cluster with hundreds of them belongs on the task types page. */
const ROWS = 50;

export function LatencyCard({ range }: { range: OverviewRange }) {
  const query = useQuery({
    queryKey: ['metrics', 'latency-by-task', range],
    queryFn: ({ signal }) => fetchJson<LatencyByTaskResponse>('/api/v1/metrics/latency/by-task', { range, sort: 'count', limit: ROWS }, signal),
    refetchInterval: 5000,
    placeholderData: keepPreviousData,
  });
  const rows = query.data?.tasks ?? [];

  return (
    <section className="card" aria-label="Latency by task">
      <div className={styles.cardHeader}>
        <h2>Latency by task</h2>
        <span className="muted">runtime percentiles, busiest first</span>
      </div>
      {query.isError && !query.data ? (
        <p className={styles.error} role="alert">
          Could not load latencies: {query.error.message}
        </p>
      ) : query.isPending ? (
        <p className="empty">Loading…</p>
      ) : rows.length === 0 ? (
        <p className="empty">No task finished in this window.</p>
      ) : (
        <div className={styles.scroll}>
          <table className="data" data-testid="latency-table">
            <thead>
              <tr>
                <th>Task</th>
                <th className="num" title="Celery reports a runtime with task-succeeded only: the percentiles are over these">
                  Succeeded
                </th>
                <th className="num">p50</th>
                <th className="num">p90</th>
                <th className="num">p99</th>
                <th className="num" title="Time from sent or received to started, 90th percentile">
                  Wait p90
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.task} data-testid="latency-row" data-task={row.task}>
                  <td className={styles.taskName}>
                    <Link href={`/task-types?name=${encodeURIComponent(row.task)}`}>
                      <BreakableName name={row.task} />
                    </Link>
                  </td>
                  <td className="num" data-testid="latency-count">
                    {formatCount(row.runtime?.count ?? 0)}
                  </td>
                  <td className="num" data-testid="latency-p50">
                    {formatDuration(row.runtime?.p50)}
                  </td>
                  <td className="num" data-testid="latency-p90">
                    {formatDuration(row.runtime?.p90)}
                  </td>
                  <td className="num" data-testid="latency-p99">
                    {formatDuration(row.runtime?.p99)}
                  </td>
                  <td className="num" data-testid="latency-wait-p90">
                    {formatDuration(row.wait?.p90)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
