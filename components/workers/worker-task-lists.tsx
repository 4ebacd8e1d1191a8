/**
 * The tasks a worker holds, as its last inspect replies list them: running (active), prefetched
 * (reserved), waiting for their ETA (scheduled), and the ids it will discard (revoked).
 */
import Link from 'next/link';
import type { ReactNode } from 'react';
import { activeRequests, type InspectedRequest, type WorkerJson } from '@/lib/api/workers';
import { formatAgo, formatDuration, formatTimestamp } from '../format/format-values';
import styles from './workers.module.css';

const ARGS_SHOWN = 120;

/** Celery 5 sends args as a list; older workers (and safe=True) as a repr string. */
export function formatArgs(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > ARGS_SHOWN ? `${text.slice(0, ARGS_SHOWN)}…` : text;
}

function fullArgs(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function TaskLink({ id }: { id: string }) {
  return (
    <Link href={`/task/${encodeURIComponent(id)}`} className={styles.code}>
      {id}
    </Link>
  );
}

function Section({ title, count, at, now, testId, children }: { title: string; count: number | null; at: number | undefined; now: number; testId: string; children: ReactNode }) {
  return (
    <section className="card" data-testid={testId} aria-label={title}>
      <h2 className={styles.sectionTitle}>
        {title}
        {count !== null && <span className={styles.count}>{count}</span>}
        {at !== undefined && <span className="muted"> · inspected {formatAgo(at, now)}</span>}
      </h2>
      {children}
    </section>
  );
}

function NotAnswered() {
  return <p className="empty">The worker has not answered this inspect yet. Refresh asks it again.</p>;
}

function RequestCells({ request }: { request: InspectedRequest }) {
  return (
    <>
      <td>
        <TaskLink id={request.id} />
      </td>
      <td className={styles.nowrap}>{request.name ?? '—'}</td>
      <td className={styles.args} title={fullArgs(request.args)}>
        {formatArgs(request.args)}
      </td>
      <td className={styles.args} title={fullArgs(request.kwargs)}>
        {formatArgs(request.kwargs)}
      </td>
    </>
  );
}

export function WorkerTaskLists({ record, now }: { record: WorkerJson | undefined; now: number }) {
  const active = activeRequests(record);
  const reserved = record?.reserved ?? null;
  const scheduled = record?.scheduled ?? null;
  const revoked = record?.revoked ?? null;
  const at = record?.inspected_at ?? {};

  return (
    <div className="stack">
      <Section title="Active" count={active?.length ?? null} at={at.active} now={now} testId="worker-active-tasks">
        {active === null ? (
          <NotAnswered />
        ) : active.length === 0 ? (
          <p className="empty">No task running.</p>
        ) : (
          <table className="data">
            <thead>
              <tr>
                <th>Task id</th>
                <th>Name</th>
                <th>Args</th>
                <th>Kwargs</th>
                <th>Started</th>
                <th className="num">Running for</th>
                <th className="num">Pool pid</th>
              </tr>
            </thead>
            <tbody>
              {active.map((request) => (
                <tr key={request.id}>
                  <RequestCells request={request} />
                  <td className={styles.nowrap}>{formatTimestamp(request.time_start)}</td>
                  <td className="num">{typeof request.time_start === 'number' ? formatDuration(Math.max(0, now / 1000 - request.time_start)) : '—'}</td>
                  <td className="num">{request.worker_pid ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>

      <Section title="Reserved" count={reserved?.length ?? null} at={at.reserved} now={now} testId="worker-reserved-tasks">
        {reserved === null ? (
          <NotAnswered />
        ) : reserved.length === 0 ? (
          <p className="empty">No task prefetched and waiting for a free pool slot.</p>
        ) : (
          <table className="data">
            <thead>
              <tr>
                <th>Task id</th>
                <th>Name</th>
                <th>Args</th>
                <th>Kwargs</th>
                <th>Queue</th>
                <th>Acknowledged</th>
              </tr>
            </thead>
            <tbody>
              {reserved.map((request) => (
                <tr key={request.id}>
                  <RequestCells request={request} />
                  <td>{request.delivery_info?.routing_key ?? '—'}</td>
                  <td>{request.acknowledged === undefined ? '—' : request.acknowledged ? 'yes' : 'no'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>

      <Section title="Scheduled" count={scheduled?.length ?? null} at={at.scheduled} now={now} testId="worker-scheduled-tasks">
        {scheduled === null ? (
          <NotAnswered />
        ) : scheduled.length === 0 ? (
          <p className="empty">No task waiting for its ETA or countdown.</p>
        ) : (
          <table className="data">
            <thead>
              <tr>
                <th>Task id</th>
                <th>Name</th>
                <th>Args</th>
                <th>Kwargs</th>
                <th>ETA</th>
                <th className="num">Priority</th>
              </tr>
            </thead>
            <tbody>
              {scheduled.map((entry) => (
                <tr key={entry.request.id}>
                  <RequestCells request={entry.request} />
                  <td className={styles.nowrap}>{entry.eta ? formatTimestamp(Date.parse(entry.eta) / 1000) : '—'}</td>
                  <td className="num">{entry.priority ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>

      <Section title="Revoked" count={revoked?.length ?? null} at={at.revoked} now={now} testId="worker-revoked-tasks">
        {revoked === null ? (
          <NotAnswered />
        ) : revoked.length === 0 ? (
          <p className="empty">No revoked task id held by this worker.</p>
        ) : (
          <>
            <p className={styles.notice}>Ids the worker will discard if they reach it (Celery keeps them in memory, up to 50 000, for three hours).</p>
            <ul className={styles.attrs}>
              {revoked.map((id) => (
                <li key={id} className={styles.attr}>
                  <TaskLink id={id} />
                </li>
              ))}
            </ul>
          </>
        )}
      </Section>
    </div>
  );
}
