'use client';
/**
 * Revoke, revoke and terminate, retry and abort for one task. Revokes wait for the workers' replies, so
 * the result names every worker that flagged the task; a retry shows the new task it sent.
 */
import Link from 'next/link';
import { useState } from 'react';
import type { BulkRevokeResult, RetrySent } from '@/lib/api/tasks';
import { sendControl } from '../api/api-client';
import { ConfirmAction } from '../controls/confirm-action';
import { ControlsClosedNotice } from '../controls/controls-closed';
import { type ControlReport, type ReportLine, reportOf, revokeReplyLines } from '../controls/control-report';
import styles from './task.module.css';
import { FINISHED_STATES, RETRYABLE_STATES } from '@/lib/api/task-states';
import { TERMINATE_SIGNALS } from '../tasks/task-states';

async function revoke(id: string, terminate: boolean, signal: string): Promise<ControlReport> {
  const result = await sendControl<BulkRevokeResult>('/api/v1/tasks/revoke', { json: { ids: [id], terminate, signal } });
  if (!result.ok) return reportOf(result);
  const lines: ReportLine[] = [...result.body.refused.map((refusal) => ({ ok: false, message: refusal.reason })), ...revokeReplyLines(result.body)];
  return { ok: lines.every((line) => line.ok), lines };
}

export function TaskControls({ id, name, state, onChanged }: { id: string; name: string | null; state: string | null; onChanged: () => void }) {
  const [signal, setSignal] = useState<string>('SIGTERM');
  const [retriedAs, setRetriedAs] = useState<string | null>(null);
  const finished = state !== null && FINISHED_STATES.has(state);
  const label = `${name ?? 'task'} ${id.slice(0, 8)}…`;
  // Revoke, terminate and abort close together once the task has finished: their reason is said once.
  const finishedNotice = { reason: finished ? `The task has finished (${state}): there is nothing to revoke, terminate or abort` : null };

  const retry = async (): Promise<ControlReport> => {
    const result = await sendControl<RetrySent>(`/api/v1/tasks/${encodeURIComponent(id)}/retry`, { json: {} });
    if (!result.ok) return reportOf(result);
    const newId = result.body['task-id'];
    setRetriedAs(newId);
    return { ok: true, lines: [{ ok: true, message: `Sent again as task ${newId}` }] };
  };

  const abort = async (): Promise<ControlReport> => reportOf(await sendControl(`/api/task/abort/${encodeURIComponent(id)}`));

  return (
    <div className={styles.controls}>
      <ControlsClosedNotice reason={finishedNotice.reason} />
      <div className="row">
        <ConfirmAction
          label="Revoke"
          title={`Revoke ${label}?`}
          description="Every worker adds the task to its revoked set: it is dropped if it has not started. A running task keeps running (use terminate to stop it)."
          sharedNotice={finishedNotice}
          testId="task-revoke"
          run={() => revoke(id, false, 'SIGTERM')}
          onDone={onChanged}
        />
        <ConfirmAction
          label="Terminate…"
          title={`Revoke and terminate ${label}?`}
          description="Revokes the task, and the worker running it sends the signal to the pool process that runs it: the process may be stopped in the middle of its work. Every worker answers; those not running the task say so, and still keep it revoked."
          fields={
            <label className="field">
              Signal
              <select value={signal} onChange={(event) => setSignal(event.target.value)} data-testid="task-terminate-signal">
                {TERMINATE_SIGNALS.map((name) => (
                  <option key={name} value={name}>
                    {name}
                  </option>
                ))}
              </select>
            </label>
          }
          confirmLabel="Revoke and terminate"
          danger
          sharedNotice={finishedNotice}
          testId="task-terminate"
          run={() => revoke(id, true, signal)}
          onDone={onChanged}
        />
        <ConfirmAction
          label="Retry"
          title={`Retry ${label}?`}
          description="Sends the task again, under a new id, with the same name, arguments and queue. The new task links back to this one."
          disabledReason={state !== null && RETRYABLE_STATES.has(state) ? null : `Only a failed or revoked task can be retried; this one is ${state ?? 'unknown'}`}
          testId="task-retry"
          run={retry}
          onDone={onChanged}
        />
        <ConfirmAction
          label="Abort"
          title={`Abort ${label}?`}
          description="Stores ABORTED in the result backend. Only tasks built on Celery's AbortableTask look for it, and stop when they next check."
          sharedNotice={finishedNotice}
          testId="task-abort"
          run={abort}
          onDone={onChanged}
          className="ghost"
        />
      </div>
      {retriedAs !== null && (
        <p className={styles.retried}>
          Retried as{' '}
          <Link href={`/task/${encodeURIComponent(retriedAs)}`} className="mono" data-testid="task-retry-link">
            {retriedAs}
          </Link>
        </p>
      )}
    </div>
  );
}
