'use client';
/**
 * The task's events in order, drawn as a vertical line of steps with the time spent between them: the wait
 * in the queue (sent → received), the prefetch (received → started), the run (started → succeeded).
 */
import type { TimelineEntry } from '@/lib/api/tasks';
import { clipText, formatDuration } from '../format/format-values';
import { useTimeFormat } from '../format/use-time-format';
import styles from './task.module.css';

/** A retried step names its exception in a line or two; the retry history holds all of it. */
const EXCEPTION_CHARS = 300;

const TONES: Record<string, string> = {
  'task-sent': 'muted',
  'task-received': 'info',
  'task-started': 'info',
  'task-retried': 'warn',
  'task-succeeded': 'ok',
  'task-failed': 'bad',
  'task-revoked': 'warn',
  'task-rejected': 'bad',
};

export function TaskTimeline({ entries, worker, retries }: { entries: readonly TimelineEntry[]; worker: string | null; retries: number }) {
  const format = useTimeFormat();
  if (entries.length === 0) {
    return <p className="empty">No event seen for this task (only the result backend knows it).</p>;
  }
  const first = entries[0] as TimelineEntry;
  // With history every event is kept; without it the model keeps only the last of each type.
  const everyRun = entries.filter((e) => e.type === 'task-received').length > 1;
  return (
    <>
      <ol className={styles.timeline} data-testid="task-timeline">
        {entries.map((entry, i) => {
          const previous = i > 0 ? entries[i - 1] : undefined;
          const label = entry.type.replace(/^task-/, '');
          // task-sent and each task-retried name their sender; the others came from the task's worker.
          const host = entry.hostname ?? (entry.type === 'task-sent' ? null : worker);
          return (
            <li key={`${entry.type}-${entry.timestamp}-${i}`} className={`${styles.step} ${styles[TONES[entry.type] ?? 'muted'] ?? ''}`} data-event={label}>
              {previous !== undefined && <div className={styles.delta}>+{formatDuration(Math.max(0, entry.timestamp - previous.timestamp))}</div>}
              <div className={styles.stepBody}>
                <strong>{label}</strong>
                {entry.type === 'task-retried' && entry.retries !== undefined && <span className="muted"> (attempt {entry.retries + 1} failed)</span>}
                <span className={styles.stepTime}>{format.dateTime(entry.timestamp)}</span>
                {host && <span className="muted"> on {host}</span>}
                {i > 1 && <span className="muted"> · {formatDuration(entry.timestamp - first.timestamp)} since {first.type.replace(/^task-/, '')}</span>}
                {entry.exception && <div className={`mono ${styles.stepException}`}>{clipText(entry.exception, EXCEPTION_CHARS)}</div>}
              </div>
            </li>
          );
        })}
      </ol>
      {retries > 0 && (
        <p className={`muted ${styles.note}`}>
          {everyRun
            ? 'Each Celery retry runs the task again under the same id: every run shows its own received and started, and each failed run ends in a retried step.'
            : 'Each Celery retry runs the task again under the same id: received and started show the last run; each failed run is a retried step.'}
        </p>
      )}
    </>
  );
}
