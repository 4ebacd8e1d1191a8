'use client';
/** The expanded task type: finished tasks over the window, every latency kind, and each worker's limits. */
import type { LatencyKindName, LatencyStats } from '@/lib/api/metrics';
import { TimeSeriesChart } from '../charts/time-series-chart';
import { formatCount, formatDuration } from '../format/format-values';
import styles from './task-types.module.css';
import { type TaskTypeRange, type TaskTypeRow, useTaskThroughput } from './use-task-types';

const KINDS: readonly { kind: LatencyKindName; label: string; title: string }[] = [
  { kind: 'runtime', label: 'Runtime', title: 'started → succeeded or failed' },
  { kind: 'wait', label: 'Wait', title: 'sent (or received) → started' },
  { kind: 'endToEnd', label: 'End to end', title: 'sent → succeeded or failed' },
];

const SERIES = [
  { key: 'succeeded', label: 'succeeded', color: 'var(--ok)' },
  { key: 'failed', label: 'failed', color: 'var(--bad)' },
  { key: 'retried', label: 'retried', color: 'var(--chart-5)' },
  { key: 'rejected', label: 'rejected', color: 'var(--warn)' },
];

function LatencyTable({ stats }: { stats: Partial<Record<LatencyKindName, LatencyStats>> }) {
  return (
    <table className="data">
      <thead>
        <tr>
          <th>Latency</th>
          <th className="num">count</th>
          <th className="num">min</th>
          <th className="num">mean</th>
          <th className="num">p50</th>
          <th className="num">p90</th>
          <th className="num">p99</th>
          <th className="num">max</th>
        </tr>
      </thead>
      <tbody>
        {KINDS.map(({ kind, label, title }) => {
          const s = stats[kind];
          return (
            <tr key={kind}>
              <td title={title}>{label}</td>
              <td className="num">{formatCount(s?.count ?? 0)}</td>
              <td className="num">{formatDuration(s?.min)}</td>
              <td className="num">{formatDuration(s?.mean)}</td>
              <td className="num">{formatDuration(s?.p50)}</td>
              <td className="num">{formatDuration(s?.p90)}</td>
              <td className="num">{formatDuration(s?.p99)}</td>
              <td className="num">{formatDuration(s?.max)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export function TaskTypeDetail({ row, range }: { row: TaskTypeRow; range: TaskTypeRange }) {
  // Seconds are kept for the last 15 minutes only; longer windows are read per minute.
  const resolution = range === '15m' ? 'second' : 'minute';
  const throughput = useTaskThroughput(row.name, range, resolution);
  // Past 24 h the server answers per hour (history's rollups): its answer says which.
  const perBucket = `per ${throughput.data?.resolution ?? resolution}`;
  const points = (throughput.data?.points ?? []).map((p) => ({ t: p.t, succeeded: p.succeeded, failed: p.failed, retried: p.retried, rejected: p.rejected }));
  return (
    <div className={styles.detail} data-testid="task-type-detail">
      <section>
        <h3>Finished {perBucket}</h3>
        {throughput.error ? (
          <p className="status-bad">{throughput.error.message}</p>
        ) : (
          <TimeSeriesChart points={points} series={SERIES} height={180} integer label={`${row.name}: tasks finished ${perBucket}`} testId="task-type-chart" />
        )}
      </section>
      <section className="stack">
        <LatencyTable stats={row.latency ?? {}} />
        <table className="data" data-testid="task-type-worker-limits">
          <thead>
            <tr>
              <th>Worker</th>
              <th>Rate limit</th>
              <th className="num">Soft limit</th>
              <th className="num">Hard limit</th>
            </tr>
          </thead>
          <tbody>
            {row.workers.length === 0 && (
              <tr>
                <td colSpan={4} className="muted">
                  No worker lists this task in its registered reply.
                </td>
              </tr>
            )}
            {row.workers.map((w) => (
              <tr key={w.worker} data-worker={w.worker}>
                <td>
                  {w.worker}
                  {!w.alive && <span className="muted"> (offline)</span>}
                </td>
                <td>{w.rateLimit ?? 'none'}</td>
                <td className="num">{w.softTimeLimit === null ? '—' : `${w.softTimeLimit} s`}</td>
                <td className="num">{w.timeLimit === null ? '—' : `${w.timeLimit} s`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}
