/**
 * What a worker is: from its events (pid, software, heartbeat interval, clock skew) and from its last
 * `inspect stats` (pool, prefetch, broker, uptime, resource usage), each with where it came from.
 */
import type { ReactNode } from 'react';
import { poolName, poolProcesses, poolStats, type WorkerEventFields, type WorkerJson } from '@/lib/api/workers';
import { formatAgo, formatDuration } from '../format/format-values';
import { useTimeFormat } from '../format/use-time-format';
import { lastSeen, liveness } from './worker-rows';
import styles from './workers.module.css';

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

/** Uptimes run to days: "3 d 4 h", "5 h 12 min", "42 s". */
export function formatUptime(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const [d, h, m] = [Math.floor(s / 86_400), Math.floor((s % 86_400) / 3600), Math.floor((s % 3600) / 60)];
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min ${s % 60} s`;
  return `${s} s`;
}

function skew(seconds: number | undefined): string {
  if (seconds === undefined) return '—';
  if (Math.abs(seconds) < 0.001) return 'none';
  // An event stamped at 1e308 is no duration worth spelling out.
  if (Math.abs(seconds) > 100 * 365 * 86400) return `more than a century ${seconds > 0 ? 'ahead' : 'behind'}`;
  return `${formatDuration(Math.abs(seconds))} ${seconds > 0 ? 'ahead' : 'behind'}`;
}

function Fact({ term, children, testId }: { term: string; children: ReactNode; testId?: string }) {
  return (
    <>
      <dt>{term}</dt>
      <dd data-testid={testId}>{children}</dd>
    </>
  );
}

export function WorkerFacts({ events, record, now }: { events: WorkerEventFields | undefined; record: WorkerJson | undefined; now: number }) {
  const format = useTimeFormat();
  const stats = record?.stats;
  const pool = poolStats(stats);
  const broker = stats?.broker;
  const rusage = stats?.rusage;
  const beat = lastSeen(events);
  // Only prefork's list is its pool; other pools list the worker's own pid.
  const processes = poolProcesses(pool) !== null && Array.isArray(pool?.processes) ? pool.processes : null;
  const statsAt = record?.inspected_at.stats;
  // Linux reports ru_maxrss in KiB (Celery passes getrusage through as it is).
  const maxrss = typeof rusage?.['maxrss'] === 'number' ? rusage['maxrss'] * 1024 : null;

  return (
    <div className="grid cols-2">
      <section className="card" aria-labelledby="worker-facts-events">
        <h2 id="worker-facts-events">Worker</h2>
        <dl className="facts">
          <Fact term="Status">{events === undefined ? '—' : events.alive ? liveness(events) : `offline${events.offline_since ? ` since ${format.dateTime(events.offline_since)}` : ''}`}</Fact>
          <Fact term="PID" testId="worker-fact-pid">
            {events?.pid ?? stats?.pid ?? '—'}
          </Fact>
          <Fact term="Software">{[events?.sw_ident, events?.sw_ver].filter(Boolean).join(' ') || '—'}</Fact>
          <Fact term="System">{events?.sw_sys ?? '—'}</Fact>
          <Fact term="Heartbeat">{events?.freq !== undefined ? `every ${formatDuration(events.freq)}` : '—'}</Fact>
          <Fact term="Last heartbeat">{beat === null ? '—' : `${formatAgo(beat, now)} (${format.dateTime(beat)})`}</Fact>
          <Fact term="Clock skew">
            {skew(events?.clock_skew)}
            {events?.clock_suspect === true && <span className="status-warn" data-testid="worker-clock-suspect"> · suspect: its times are not to be trusted</span>}
          </Fact>
          <Fact term="Uptime">{typeof stats?.uptime === 'number' ? formatUptime(stats.uptime) : '—'}</Fact>
          <Fact term="Logical clock">{stats?.clock ?? '—'}</Fact>
        </dl>
      </section>
      <section className="card" aria-labelledby="worker-facts-pool">
        <h2 id="worker-facts-pool">
          Pool and broker
          {statsAt !== undefined && <span className="muted"> · inspected {formatAgo(statsAt, now)}</span>}
        </h2>
        {stats === undefined ? (
          <p className="empty">The worker has not answered inspect stats yet. Refresh asks it again.</p>
        ) : (
          <dl className="facts">
            <Fact term="Pool" testId="worker-fact-pool">
              {poolName(pool) ?? '—'}
              {pool?.implementation && poolName(pool) !== pool.implementation && <span className="muted"> ({pool.implementation})</span>}
            </Fact>
            <Fact term="Concurrency" testId="worker-fact-concurrency">
              {pool?.['max-concurrency'] ?? '—'}
            </Fact>
            {processes !== null && (
              <Fact term="Processes" testId="worker-fact-processes">
                {processes.length} <span className={styles.pids}>pids {processes.join(', ')}</span>
              </Fact>
            )}
            <Fact term="Max tasks per child">{String(pool?.['max-tasks-per-child'] ?? '—')}</Fact>
            <Fact term="Time limits (soft, hard)">{pool?.timeouts ? pool.timeouts.map((t) => (t ? formatDuration(t) : 'none')).join(', ') : '—'}</Fact>
            <Fact term="Prefetch count" testId="worker-fact-prefetch">
              {stats.prefetch_count ?? '—'}
            </Fact>
            <Fact term="Broker">
              {broker ? `${broker.transport ?? '?'}://${broker.hostname ?? ''}${broker.port ? `:${broker.port}` : ''}${broker.virtual_host !== undefined && broker.virtual_host !== null ? `/${broker.virtual_host}` : ''}` : '—'}
            </Fact>
            <Fact term="CPU time (user, system)">
              {typeof rusage?.['utime'] === 'number' && typeof rusage['stime'] === 'number' ? `${formatDuration(rusage['utime'])}, ${formatDuration(rusage['stime'])}` : '—'}
            </Fact>
            <Fact term="Max resident memory">{formatBytes(maxrss)}</Fact>
            {stats.memory && (
              <Fact term="Memory now">
                {formatBytes(stats.memory.rss)} resident, heap {formatBytes(stats.memory.heap_used)} of {formatBytes(stats.memory.heap_total)}
              </Fact>
            )}
          </dl>
        )}
      </section>
    </div>
  );
}
