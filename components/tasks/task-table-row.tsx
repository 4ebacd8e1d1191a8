'use client';
import Link from 'next/link';
import { memo } from 'react';
import { clipText, formatDuration } from '../format/format-values';
import { useTimeFormat } from '../format/use-time-format';
import { StateBadge } from './state-badge';
import type { TaskRow } from './task-row-store';
import styles from './tasks.module.css';

const STARTED_FAILED = "From task-started to task-failed: Celery's task-failed carries no runtime";

/** A cell shows one line: a repr of megabytes (any producer writes them) is cut long before it is drawn. */
const CELL_CHARS = 300;
const TITLE_CHARS = 2000;

function Cell({ value, className }: { value: string | null; className?: string }) {
  return (
    <span role="cell" className={`${styles.cell} ${className ?? ''}`} title={value === null ? undefined : clipText(value, TITLE_CHARS)}>
      {value === null ? '—' : clipText(value, CELL_CHARS)}
    </span>
  );
}

export interface TaskTableRowProps {
  readonly row: TaskRow;
  readonly top: number;
  readonly selected: boolean;
  readonly onToggle: (uuid: string) => void;
}

export const TaskTableRow = memo(function TaskTableRow({ row, top, selected, onToggle }: TaskTableRowProps) {
  const outcome = row.exception ?? row.result;
  // Time of day with milliseconds (the header names the zone); the full date and zone are in the title.
  const time = useTimeFormat();
  const fullTime = (seconds: number | null) => (seconds === null ? undefined : time.dateTime(seconds));
  return (
    <div
      role="row"
      className={`${styles.row}${selected ? ` ${styles.selected}` : ''}`}
      style={{ transform: `translateY(${top}px)` }}
      data-testid="task-row"
      data-uuid={row.uuid}
      data-state={row.state}
      aria-selected={selected}
    >
      <span role="cell" className={styles.cell}>
        <input type="checkbox" aria-label={`Select task ${row.uuid}`} checked={selected} onChange={() => onToggle(row.uuid)} />
      </span>
      <span role="cell" className={styles.cell}>
        <StateBadge state={row.state} />
      </span>
      <Cell value={row.name} />
      <span role="cell" className={`${styles.cell} mono`}>
        {/* No prefetch: every row scrolled past would fetch its page's code and data. */}
        <Link href={`/task/${encodeURIComponent(row.uuid)}`} prefetch={false} title={row.uuid} data-testid="task-link">
          {row.uuid.slice(0, 8)}…
        </Link>
      </span>
      <Cell value={row.args} className="mono" />
      <Cell value={row.kwargs} className="mono" />
      <Cell value={outcome} className={`mono${row.exception !== null ? ' status-bad' : ''}`} />
      <span role="cell" className={`${styles.cell} ${styles.num}`} title={fullTime(row.received)} data-testid="task-row-received">
        {time.clock(row.received)}
      </span>
      <span role="cell" className={`${styles.cell} ${styles.num}`} title={fullTime(row.started)}>
        {time.clock(row.started)}
      </span>
      <span role="cell" className={`${styles.cell} ${styles.num}`} title={row.runtimeSource === 'started-failed' ? STARTED_FAILED : undefined} data-testid="task-row-runtime">
        {formatDuration(row.runtime)}
      </span>
      <span role="cell" className={styles.cell} title={row.worker ?? undefined}>
        {row.worker === null ? '—' : <Link href={`/worker/${encodeURIComponent(row.worker)}`} prefetch={false}>{row.worker}</Link>}
      </span>
      <Cell value={row.queue ?? row.routingKey} />
    </div>
  );
});

/** A row whose page is still on its way. */
export function PendingRow({ top }: { top: number }) {
  return (
    <div role="row" className={`${styles.row} ${styles.pending}`} style={{ transform: `translateY(${top}px)` }} data-testid="task-row-pending">
      <span role="cell" className={styles.cell} />
      <span role="cell" className={`${styles.cell} muted`}>loading…</span>
    </div>
  );
}
