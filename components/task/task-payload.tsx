'use client';
/**
 * What went into the task and what came out: the argument and result reprs the events carried, the
 * exception and traceback of a failure, each failed attempt Celery retried, and the result backend's own
 * record (with result_extended it holds the real arguments, not a repr cut at 1024 characters).
 */
import type { JsonObject } from '@/lib/celery';
import type { BackendReadJson, RetryAttemptJson, V1Task } from '@/lib/api/tasks';
import { useTimeFormat } from '../format/use-time-format';
import { PayloadText } from './payload-text';
import { WorkerLink } from './task-facts';
import styles from './task.module.css';

function Repr({ label, value, testId }: { label: string; value: string | null; testId: string }) {
  return (
    <div className={styles.payload}>
      <h3>{label}</h3>
      {value === null || value === '' ? (
        <p className="muted" data-testid={testId}>
          —
        </p>
      ) : (
        <PayloadText text={value} layout className="code" testId={testId} />
      )}
    </div>
  );
}

/**
 * JSON on one line with Python's separators (`, ` and `: `), laid out by PayloadText as a repr is. JSON
 * strings hold no raw newline, so every newline of the indented form is layout. The server caps the depth
 * of what it sends; a RangeError from nesting deeper than the stack still shows a line, not a blank page.
 */
function json(value: unknown): string {
  try {
    return JSON.stringify(value, null, 1).replace(/,\n */g, ', ').replace(/\n */g, '');
  } catch {
    return '(too deeply nested to show)';
  }
}

/** The result as the events said it, else as the backend stores it (a task Pollen never saw). */
function resultText(task: V1Task | null, meta: JsonObject | null): string | null {
  if (task?.result !== null && task?.result !== undefined) return task.result;
  if (meta === null || meta['status'] !== 'SUCCESS') return null;
  return json(meta['result']);
}

export function TaskArguments({ task, meta }: { task: V1Task | null; meta: JsonObject | null }) {
  const args = task?.args ?? (meta && meta['args'] !== undefined ? json(meta['args']) : null);
  const kwargs = task?.kwargs ?? (meta && meta['kwargs'] !== undefined ? json(meta['kwargs']) : null);
  return (
    <section className="card">
      <h2>Arguments and result</h2>
      <div className={styles.payloads}>
        <Repr label="args" value={args} testId="task-args" />
        <Repr label="kwargs" value={kwargs} testId="task-kwargs" />
        <Repr label="result" value={resultText(task, meta)} testId="task-result" />
      </div>
    </section>
  );
}

/**
 * The exception and traceback of the failure the task is in (FAILURE, or the RETRY it waits in): the
 * model keeps an earlier attempt's only in the retry history, so a succeeded task shows none here.
 */
export function TaskFailure({ task, meta, state }: { task: V1Task | null; meta: JsonObject | null; state: string | null }) {
  if (state === 'SUCCESS') return null;
  const storedTraceback = meta !== null && meta['status'] === 'FAILURE' && typeof meta['traceback'] === 'string' ? meta['traceback'] : null;
  const traceback = task?.traceback ?? storedTraceback;
  const exception = task?.exception ?? (meta !== null && meta['status'] === 'FAILURE' ? json(meta['result']) : null);
  if (traceback === null && exception === null) return null;
  return (
    <section className="card">
      <h2>{state === 'RETRY' ? 'Failed, to be retried' : state === 'FAILURE' || state === 'REJECTED' ? 'Failure' : 'Last failure'}</h2>
      {exception !== null && (
        <PayloadText text={exception} className={`code ${styles.exception}`} testId="task-exception" />
      )}
      {traceback !== null && <PayloadText text={traceback} className="code traceback" testId="task-traceback" />}
    </section>
  );
}

export function RetryHistory({ attempts }: { attempts: readonly RetryAttemptJson[] }) {
  const format = useTimeFormat();
  if (attempts.length === 0) return null;
  return (
    <section className="card">
      <h2>Retry history</h2>
      <ol className={styles.attempts} data-testid="task-retry-history">
        {attempts.map((attempt) => (
          <li key={`${attempt.retries}-${attempt.timestamp}`}>
            <div className="row">
              <strong>Attempt {attempt.retries + 1}</strong>
              <span className="muted">{format.dateTime(attempt.timestamp)}</span>
              {attempt.worker && (
                <span className="muted">
                  on <WorkerLink name={attempt.worker} />
                </span>
              )}
            </div>
            {attempt.exception && <PayloadText text={attempt.exception} className={`mono ${styles.exception}`} />}
            {attempt.traceback && (
              <details>
                <summary>Traceback</summary>
                <PayloadText text={attempt.traceback} className="code traceback" />
              </details>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}

export function BackendMeta({ backend }: { backend: BackendReadJson | null }) {
  return (
    <section className="card">
      <h2>Result backend</h2>
      {backend === null ? (
        <p className="muted">Pollen runs without --result-backend: the stored result is not read.</p>
      ) : !backend.available ? (
        <p className="status-bad" data-testid="task-backend-unavailable">
          Result backend unavailable: {backend.error}. What this page shows comes from Pollen&apos;s events alone.
        </p>
      ) : backend.error !== null ? (
        <p className="status-bad">Could not read the result backend: {backend.error}</p>
      ) : backend.meta === null ? (
        <p className="muted">Nothing stored for this task (yet, or it ignores results).</p>
      ) : (
        <details open={backend.meta['args'] !== undefined}>
          <summary>
            Stored as <strong>{String(backend.meta['status'])}</strong>
            {backend.meta['args'] !== undefined && <span className="muted"> · with its arguments (result_extended)</span>}
          </summary>
          <PayloadText text={json(backend.meta)} layout className="code" testId="task-backend-meta" />
        </details>
      )}
    </section>
  );
}
