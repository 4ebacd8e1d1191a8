/**
 * The tasks a worker holds, as its last inspect replies list them: running (active), prefetched
 * (reserved), waiting for their ETA (scheduled), and the ids it will discard (revoked).
 */
import Link from 'next/link';
import type { ReactNode } from 'react';
import { activeRequests, type InspectedRequest, type WorkerJson } from '@/lib/api/workers';
import { CopyButton } from '../clipboard/copy-button';
import { formatAgo, formatDuration } from '../format/format-values';
import { useTimeFormat } from '../format/use-time-format';
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
    <>
      <Link href={`/task/${encodeURIComponent(id)}`} className={styles.code}>
        {id}
      </Link>{' '}
      <CopyButton value={id} label="task id" testId="copy-text" icon />
    </>
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

/** A column past the four every request has (id, name, args, kwargs). */
interface Column<T> {
  readonly label: string;
  /** 'num' right-aligns (header too); 'nowrap' keeps times on one line. */
  readonly align?: 'num' | 'nowrap';
  readonly cell: (row: T) => ReactNode;
}

function RequestSection<T>(props: {
  title: string;
  rows: readonly T[] | null;
  at: number | undefined;
  now: number;
  testId: string;
  empty: string;
  request: (row: T) => InspectedRequest;
  columns: readonly Column<T>[];
}) {
  const { rows, columns } = props;
  return (
    <Section title={props.title} count={rows?.length ?? null} at={props.at} now={props.now} testId={props.testId}>
      {rows === null ? (
        <NotAnswered />
      ) : rows.length === 0 ? (
        <p className="empty">{props.empty}</p>
      ) : (
        <div className="table-scroll">
          <table className="data">
            <thead>
              <tr>
                <th>Task id</th>
                <th>Name</th>
                <th>Args</th>
                <th>Kwargs</th>
                {columns.map((column) => (
                  <th key={column.label} className={column.align === 'num' ? 'num' : undefined}>
                    {column.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => {
                const request = props.request(row);
                return (
                  <tr key={request.id}>
                    <RequestCells request={request} />
                    {columns.map((column) => (
                      <td key={column.label} className={column.align === 'num' ? 'num' : column.align === 'nowrap' ? styles.nowrap : undefined}>
                        {column.cell(row)}
                      </td>
                    ))}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </Section>
  );
}

const asIs = (request: InspectedRequest): InspectedRequest => request;

export function WorkerTaskLists({ record, now }: { record: WorkerJson | undefined; now: number }) {
  const format = useTimeFormat();
  const revoked = record?.revoked ?? null;
  const at = record?.inspected_at ?? {};

  return (
    <div className="stack">
      <RequestSection
        title="Active"
        rows={activeRequests(record)}
        at={at.active}
        now={now}
        testId="worker-active-tasks"
        empty="No task running."
        request={asIs}
        columns={[
          { label: 'Started', align: 'nowrap', cell: (r) => format.dateTime(r.time_start) },
          { label: 'Running for', align: 'num', cell: (r) => (typeof r.time_start === 'number' ? formatDuration(Math.max(0, now / 1000 - r.time_start)) : '—') },
          { label: 'Pool pid', align: 'num', cell: (r) => r.worker_pid ?? '—' },
        ]}
      />
      <RequestSection
        title="Reserved"
        rows={record?.reserved ?? null}
        at={at.reserved}
        now={now}
        testId="worker-reserved-tasks"
        empty="No task prefetched and waiting for a free pool slot."
        request={asIs}
        columns={[
          { label: 'Queue', cell: (r) => r.delivery_info?.routing_key ?? '—' },
          { label: 'Acknowledged', cell: (r) => (r.acknowledged === undefined ? '—' : r.acknowledged ? 'yes' : 'no') },
        ]}
      />
      <RequestSection
        title="Scheduled"
        rows={record?.scheduled ?? null}
        at={at.scheduled}
        now={now}
        testId="worker-scheduled-tasks"
        empty="No task waiting for its ETA or countdown."
        request={(entry) => entry.request}
        columns={[
          { label: 'ETA', align: 'nowrap', cell: (entry) => (entry.eta ? format.dateTime(Date.parse(entry.eta) / 1000) : '—') },
          { label: 'Priority', align: 'num', cell: (entry) => entry.priority ?? '—' },
        ]}
      />

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
