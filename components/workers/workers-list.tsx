'use client';
/**
 * Flower's /workers: every worker, live. Liveness and counters come from the push channel, pool and
 * queues from the inspect cache (refetched every 10 s, or asked anew with Refresh).
 */
import Link from 'next/link';
import { useMemo, useState } from 'react';
import { BreakableName } from '../format/breakable-name';
import { formatAgo, formatCount } from '../format/format-values';
import { useLiveWorkers } from '../live/live-hooks';
import { useInspectedWorkers, useNow } from './use-inspected-workers';
import { columnTotals, type CountedColumn, formatLoad, type WorkerRow, workerRows } from './worker-rows';
import { WorkerStatus } from './worker-status';
import styles from './workers.module.css';

type StatusFilter = 'all' | 'online' | 'offline';

/** The columns after Status and Worker, first on a narrow screen: what a Flower user reads first. */
const COUNTED_COLUMNS: readonly CountedColumn[] = ['active', 'processed', 'succeeded', 'failed', 'retried'];

export function workerHref(hostname: string): string {
  return `/worker/${encodeURIComponent(hostname)}`;
}

export function WorkersList() {
  const live = useLiveWorkers();
  const inspected = useInspectedWorkers();
  const now = useNow(2_000);
  const [status, setStatus] = useState<StatusFilter>('all');
  const [search, setSearch] = useState('');

  const rows = useMemo(() => workerRows(live.workers, inspected.data), [live.workers, inspected.data]);
  const online = rows.filter((row) => row.alive).length;
  const needle = search.trim().toLowerCase();
  const shown = rows.filter(
    (row) => (status === 'all' || row.alive === (status === 'online')) && (needle === '' || row.hostname.toLowerCase().includes(needle) || (row.queues ?? []).some((q) => q.toLowerCase().includes(needle))),
  );
  const loading = !live.loaded && inspected.isLoading;
  const inspectedAt = newestStats(inspected.data);

  return (
    <>
      <div className="page-header">
        <div>
          <h1>Workers</h1>
          <p data-testid="workers-summary">
            {loading ? 'Loading…' : `${online} online, ${rows.length - online} offline`}
            {inspectedAt !== null && <span className="muted"> · pools and queues inspected {formatAgo(inspectedAt, now)}</span>}
          </p>
        </div>
        <div className="row">
          <input type="search" placeholder="Filter by name or queue" aria-label="Filter workers" value={search} onChange={(e) => setSearch(e.target.value)} className={styles.search} />
          <div className="segmented" role="group" aria-label="Status">
            {(['all', 'online', 'offline'] as const).map((value) => (
              <button key={value} type="button" aria-pressed={status === value} onClick={() => setStatus(value)}>
                {value === 'all' ? 'All' : value === 'online' ? 'Online' : 'Offline'}
              </button>
            ))}
          </div>
          <button type="button" className="button" data-testid="workers-refresh" disabled={inspected.refreshing} onClick={() => void inspected.refresh()} title="Ask every worker for its stats, queues and tasks now">
            {inspected.refreshing ? 'Inspecting…' : 'Refresh'}
          </button>
        </div>
      </div>
      {inspected.refreshError !== null && <p className="status-bad">Refresh failed: {inspected.refreshError}</p>}
      {inspected.error !== null && inspected.data === undefined && <p className="status-bad">Could not read the workers: {inspected.error.message}</p>}
      <div className="card">
        {loading ? (
          <p className="empty">Loading workers…</p>
        ) : rows.length === 0 ? (
          <p className="empty">No worker has reported yet. Workers appear here as soon as they send an event or answer inspect (start them with -E, or leave Pollen's --enable-events on).</p>
        ) : shown.length === 0 ? (
          <p className="empty">No worker matches this filter.</p>
        ) : (
          <div className={styles.tableScroll}>
            <table className="data" data-testid="workers-table">
              <thead>
                <tr>
                  <th>Status</th>
                  <th>Worker</th>
                  <th className="num" title="Tasks running now">Active</th>
                  <th className="num" title="Tasks the worker says it has processed since it started">Processed</th>
                  <th className="num" title="task-succeeded events it sent since Pollen started">Succeeded</th>
                  <th className="num" title="task-failed events it sent since Pollen started">Failed</th>
                  <th className="num" title="task-retried events it sent since Pollen started">Retried</th>
                  <th>Pool</th>
                  <th className="num" title="max-concurrency (processes now, when it differs)">Concurrency</th>
                  <th className="num" title="1, 5 and 15 minute load average">Load average</th>
                  <th>Last heartbeat</th>
                  <th>Queues</th>
                  <th>Software</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((row) => (
                  <WorkerTableRow key={row.hostname} row={row} now={now} />
                ))}
              </tbody>
              <WorkerTotals rows={shown} />
            </table>
          </div>
        )}
      </div>
    </>
  );
}

function WorkerTableRow({ row, now }: { row: WorkerRow; now: number }) {
  return (
    <tr data-worker={row.hostname} className={row.alive ? undefined : styles.offlineRow}>
      <td>
        <WorkerStatus status={row.status} />
      </td>
      <td className={styles.hostname}>
        <Link href={workerHref(row.hostname)}>
          <BreakableName name={row.hostname} />
        </Link>
      </td>
      {COUNTED_COLUMNS.map((column) => (
        <td key={column} className="num" data-testid={`worker-${column}`}>
          {formatCount(row[column])}
        </td>
      ))}
      <td className={styles.nowrap} data-testid="worker-pool">{row.pool ?? '—'}</td>
      <td className="num" data-testid="worker-concurrency">
        {row.maxConcurrency ?? '—'}
        {row.processes !== null && row.processes !== row.maxConcurrency && <span className="muted"> ({row.processes} procs)</span>}
      </td>
      <td className={`num ${styles.nowrap}`}>{formatLoad(row.loadavg)}</td>
      <td className={styles.nowrap} data-testid="worker-heartbeat">
        {formatAgo(row.lastSeen, now)}
      </td>
      <td className={styles.queues}>{row.queues === null ? '—' : row.queues.length === 0 ? <span className="muted">none</span> : row.queues.join(', ')}</td>
      <td className={styles.software}>{row.software ?? '—'}</td>
    </tr>
  );
}

/** Flower's totals row: the counters of the workers shown, added up. */
function WorkerTotals({ rows }: { rows: readonly WorkerRow[] }) {
  const totals = columnTotals(rows);
  return (
    <tfoot>
      <tr className={styles.totals} data-testid="workers-totals">
        <th scope="row" colSpan={2}>
          Total
        </th>
        {COUNTED_COLUMNS.map((column) => (
          <td key={column} className="num" data-testid={`total-${column}`}>
            {formatCount(totals[column])}
          </td>
        ))}
        <td colSpan={6} />
      </tr>
    </tfoot>
  );
}

/** When the last stats reply came (a vanished worker's old reply stays cached, so not the oldest). */
function newestStats(data: Readonly<Record<string, { inspected_at: { stats?: number } }>> | undefined): number | null {
  let newest: number | null = null;
  for (const worker of Object.values(data ?? {})) {
    const at = worker.inspected_at.stats;
    if (at !== undefined && (newest === null || at > newest)) newest = at;
  }
  return newest;
}
