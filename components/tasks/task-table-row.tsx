'use client';
import Link from 'next/link';
import { memo } from 'react';
import { CopyButton } from '../clipboard/copy-button';
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

/**
 * Queues of one application share their start (`demo.high`, `demo.low`): a long name is cut at its start,
 * so that the end that tells them apart stays visible; the whole name is in the title.
 */
function QueueCell({ queue }: { queue: string | null }) {
  return (
    <span role="cell" className={`${styles.cell} ${styles.clipStart}`} title={queue ?? undefined} data-testid="task-row-queue">
      {queue === null ? '—' : <span dir="ltr">{clipText(queue, CELL_CHARS)}</span>}
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
  const taskHref = `/task/${encodeURIComponent(row.uuid)}`;
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
      {/* The name opens the task, as in Flower. No prefetch: every row scrolled past would fetch its page's code and data. */}
      <span role="cell" className={styles.cell} title={row.name ?? undefined}>
        {row.name === null ? '—' : <Link href={taskHref} prefetch={false} data-testid="task-name-link">{clipText(row.name, CELL_CHARS)}</Link>}
      </span>
      {/* The whole id, cut by the column; shown whole on hover or focus, and copied whole by the button. */}
      <span role="cell" className={`${styles.cell} ${styles.idCell} mono`}>
        <CopyButton value={row.uuid} label="task id" testId="copy-text" icon />
        <Link href={taskHref} prefetch={false} title={row.uuid} className={styles.idLink} data-testid="task-link">
          {row.uuid}
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
      <span role="cell" className={`${styles.cell} ${styles.num}`} title={row.runtime_source === 'started-failed' ? STARTED_FAILED : undefined} data-testid="task-row-runtime">
        {formatDuration(row.runtime)}
      </span>
      <span role="cell" className={styles.cell} title={row.worker ?? undefined}>
        {row.worker === null ? '—' : <Link href={`/worker/${encodeURIComponent(row.worker)}`} prefetch={false}>{row.worker}</Link>}
      </span>
      <QueueCell queue={row.queue ?? row.routing_key} />
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
