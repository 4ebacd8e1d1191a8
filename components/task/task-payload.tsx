'use client';
/**
 * What went into the task and what came out: the argument and result reprs the events carried, the
 * exception and traceback of a failure, each failed attempt Celery retried, and the result backend's own
 * record (with result_extended it holds the real arguments, not a repr cut at 1024 characters).
 */
import type { JsonObject } from '@/lib/celery';
import type { BackendReadJson, RetryAttemptJson, V1Task } from '@/lib/api/tasks';
import { formatTimestamp } from '../format/format-values';
import { layoutRepr } from './repr-layout';
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
        <pre className="code" data-testid={testId}>
          {layoutRepr(value)}
        </pre>
      )}
    </div>
  );
}

function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
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
 * The exception and traceback. The events keep the last retry's exception after a later attempt succeeds:
 * a succeeded task shows its failed attempts in the retry history instead, not as a failure.
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
        <pre className={`code ${styles.exception}`} data-testid="task-exception">
          {exception}
        </pre>
      )}
      {traceback !== null && (
        <pre className="code traceback" data-testid="task-traceback">
          {traceback}
        </pre>
      )}
    </section>
  );
}

export function RetryHistory({ attempts }: { attempts: readonly RetryAttemptJson[] }) {
  if (attempts.length === 0) return null;
  return (
    <section className="card">
      <h2>Retry history</h2>
      <ol className={styles.attempts} data-testid="task-retry-history">
        {attempts.map((attempt) => (
          <li key={`${attempt.retries}-${attempt.timestamp}`}>
            <div className="row">
              <strong>Attempt {attempt.retries + 1}</strong>
              <span className="muted">{formatTimestamp(attempt.timestamp)}</span>
              {attempt.worker && (
                <span className="muted">
                  on <WorkerLink name={attempt.worker} />
                </span>
              )}
            </div>
            {attempt.exception && <div className={`mono ${styles.exception}`}>{attempt.exception}</div>}
            {attempt.traceback && (
              <details>
                <summary>Traceback</summary>
                <pre className="code traceback">{attempt.traceback}</pre>
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
          <pre className="code" data-testid="task-backend-meta">
            {json(backend.meta)}
          </pre>
        </details>
      )}
    </section>
  );
}
