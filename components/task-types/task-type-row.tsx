'use client';
/** One task type in the table: its counts over the window (fetched for this row only), latency and limits. */
import { Fragment } from 'react';
import type { ThroughputResponse } from '@/lib/api/metrics';
import { formatCount, formatDuration, formatPercent, formatRateIn, type RateUnit } from '../format/format-values';
import { RateLimitAction, TimeLimitAction } from './limit-controls';
import { limitsThatHold, summarizeAcross } from './registered-limits';
import { Sparkline } from './sparkline';
import { TaskTypeDetail } from './task-type-detail';
import styles from './task-types.module.css';
import { type TaskTypeRange, type TaskTypeRow as Row, useTaskThroughput } from './use-task-types';

export interface DoneCounts {
  readonly succeeded: number;
  readonly failed: number;
  /** Rejected by the worker (task-rejected): neither a success nor a failure, counted apart. */
  readonly rejected: number;
  /** Finished (succeeded, failed or rejected) per second over the window. */
  readonly perSecond: number;
  readonly failureRate: number | null;
  readonly points: readonly number[];
}

export function doneCounts(data: ThroughputResponse): DoneCounts {
  const { succeeded, failed, rejected } = data.totals;
  const seconds = Math.max(1, (data.to - data.from) / 1000);
  return {
    succeeded,
    failed,
    rejected,
    perSecond: (succeeded + failed + rejected) / seconds,
    failureRate: succeeded + failed === 0 ? null : failed / (succeeded + failed),
    points: data.points.map((p) => p.succeeded + p.failed + p.rejected),
  };
}

/** Celery lists time limits in `registered` only when asked for them: absent means not reported, not none. */
function timeLimits(row: Row): string {
  const each = limitsThatHold(row.workers).map((w) => (w.timeLimit === null && w.softTimeLimit === null ? null : `${w.softTimeLimit ?? '—'} / ${w.timeLimit ?? '—'} s`));
  return each.every((value) => value === null) ? '—' : summarizeAcross(each, '—');
}

/** Any failure shows in colour (its rate never reads 0): a rare one as a warning, 1 % and more as bad. */
function failureTone(done: DoneCounts | null): string {
  if (done === null || done.failed === 0 || done.failureRate === null) return '';
  return done.failureRate >= 0.01 ? 'status-bad' : 'status-warn';
}

export function TaskTypeRow({ row, range, rateUnit, expanded, onToggle, onControlDone }: { row: Row; range: TaskTypeRange; rateUnit: RateUnit; expanded: boolean; onToggle: () => void; onControlDone: () => void }) {
  const throughput = useTaskThroughput(row.name, range);
  const done = throughput.data ? doneCounts(throughput.data) : null;
  const runtime = row.latency?.runtime;
  const rate = summarizeAcross(limitsThatHold(row.workers).map((w) => w.rateLimit));
  return (
    <Fragment>
      <tr data-testid="task-type-row" data-task={row.name} className={expanded ? styles.expanded : undefined}>
        <td>
          <button type="button" className={styles.nameButton} aria-expanded={expanded} onClick={onToggle} data-testid="task-type-toggle">
            <span aria-hidden="true">{expanded ? '▾' : '▸'}</span> <span className="mono">{row.name}</span>
          </button>
        </td>
        <td className={styles.workers} title={row.workers.map((w) => w.worker).join('\n')} data-testid="task-type-workers">
          {row.workers.length === 0 ? <span className="muted">none</span> : row.workers.map((w) => <div key={w.worker} className={w.alive ? undefined : 'muted'}>{w.worker}</div>)}
        </td>
        <td className="num" data-testid="task-type-succeeded">{formatCount(done?.succeeded)}</td>
        <td className="num" data-testid="task-type-failed">{formatCount(done?.failed)}</td>
        <td className={`num ${done && done.rejected > 0 ? 'status-warn' : ''}`} data-testid="task-type-rejected">{formatCount(done?.rejected)}</td>
        <td className={`num ${failureTone(done)}`} data-testid="task-type-failure-rate">
          {formatPercent(done?.failureRate)}
        </td>
        <td className="num" data-testid="task-type-throughput">
          <div className={styles.throughput}>
            <Sparkline values={done?.points ?? []} width={64} label={`${row.name}: tasks finished per minute`} />
            <span title={done ? `${formatRateIn(done.perSecond, rateUnit)} ${rateUnit.label}` : undefined} data-testid="task-type-rate">{done ? formatRateIn(done.perSecond, rateUnit) : '—'}</span>
          </div>
        </td>
        <td className="num" data-testid="task-type-p50">{formatDuration(runtime?.p50)}</td>
        <td className="num" data-testid="task-type-p90">{formatDuration(runtime?.p90)}</td>
        <td className="num" data-testid="task-type-p99">{formatDuration(runtime?.p99)}</td>
        <td className="num" data-testid="task-type-wait-p90">{formatDuration(row.latency?.wait?.p90)}</td>
        <td className={styles.limits}>
          <div title={row.workers.map((w) => `${w.worker}: ${w.rateLimit ?? 'none'}`).join('\n')}>
            <span className="muted">rate </span>
            <span data-testid="rate-limit-value">{rate}</span>
          </div>
          <div title="time limits soft / hard, when the workers' registered replies include them">
            <span className="muted">time </span>
            <span data-testid="time-limit-value">{timeLimits(row)}</span>
          </div>
        </td>
        <td>
          <div className={styles.actions}>
            <RateLimitAction task={row.name} workers={row.workers} onDone={onControlDone} />
            <TimeLimitAction task={row.name} workers={row.workers} onDone={onControlDone} />
          </div>
        </td>
      </tr>
      {expanded && (
        <tr className={styles.detailRow}>
          <td colSpan={13}>
            <TaskTypeDetail row={row} range={range} />
          </td>
        </tr>
      )}
    </Fragment>
  );
}
