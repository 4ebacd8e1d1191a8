'use client';
/**
 * Progress a running task reports through a custom state (Celery's `update_state(state='PROGRESS',
 * meta={...})`): the meta lands in the result backend as the task's `result`, so it is read from there.
 * The common shapes are understood: {current, total}, {done, total}, {progress: 0..1}, {percent: 0..100}.
 */
import type { JsonObject, JsonValue } from '@/lib/celery';
import { formatCount } from '../format/format-values';
import styles from './task.module.css';

export interface TaskProgress {
  /** 0..1 */
  readonly fraction: number;
  /** "3 / 10", or null when only a fraction was reported. */
  readonly counts: string | null;
  /** The custom state that carried it (PROGRESS), or the final state. */
  readonly state: string;
}

function finite(value: JsonValue | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function progressOf(meta: JsonObject | null | undefined): TaskProgress | null {
  if (!meta) return null;
  const status = typeof meta['status'] === 'string' ? meta['status'] : '';
  // A failure's result is the exception; a task that never reported progress has none.
  if (status === 'FAILURE' || status === 'PENDING') return null;
  const result = meta['result'];
  if (result === null || typeof result !== 'object' || Array.isArray(result)) return null;
  const total = finite(result['total']);
  const current = finite(result['current']) ?? finite(result['done']) ?? finite(result['completed']);
  if (total !== null && current !== null && total > 0) {
    return { fraction: clamp(current / total), counts: `${formatCount(current)} / ${formatCount(total)}`, state: status };
  }
  const progress = finite(result['progress']);
  if (progress !== null) return { fraction: clamp(progress > 1 ? progress / 100 : progress), counts: null, state: status };
  const percent = finite(result['percent']) ?? finite(result['percentage']);
  if (percent !== null) return { fraction: clamp(percent / 100), counts: null, state: status };
  return null;
}

function clamp(fraction: number): number {
  return Math.min(1, Math.max(0, fraction));
}

export function ProgressBar({ progress }: { progress: TaskProgress }) {
  const percent = Math.round(progress.fraction * 1000) / 10;
  return (
    <div className={styles.progressBlock}>
      <div className="row">
        <strong data-testid="task-progress-value">{progress.counts ?? `${percent} %`}</strong>
        {progress.counts !== null && <span className="muted">{percent} %</span>}
        <span className="spacer" />
        <span className="muted">{progress.state === 'SUCCESS' ? 'as it finished' : `reported as ${progress.state}`}</span>
      </div>
      <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent} aria-label="Task progress" data-testid="task-progress">
        <div style={{ width: `${percent}%` }} />
      </div>
    </div>
  );
}
