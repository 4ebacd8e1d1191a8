'use client';
/**
 * Revoke or retry the selected tasks: POST /api/v1/tasks/revoke|retry with their ids, 1000 at a time
 * (the server's cap per call). The report names each task the server acted on or refused, and why.
 */
import { useState } from 'react';
import type { BulkRetryResult, BulkRevokeResult } from '@/lib/api/tasks';
import { sendControl } from '../api/api-client';
import { ConfirmAction } from '../controls/confirm-action';
import { type ControlReport, type ReportLine, revokeReplyLines } from '../controls/control-report';
import { formatCount } from '../format/format-values';
import type { TaskRow } from './task-row-store';
import { FINISHED_STATES, RETRYABLE_STATES } from '@/lib/api/task-states';
import { TERMINATE_SIGNALS } from './task-states';
import styles from './tasks.module.css';

const PER_CALL = 1000;
/** Lines past this are summed up in one, so the dialog stays readable for a large selection. */
const MAX_LINES = 40;

function chunks(ids: readonly string[]): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < ids.length; i += PER_CALL) out.push(ids.slice(i, i + PER_CALL));
  return out;
}

function capped(lines: ReportLine[]): ReportLine[] {
  if (lines.length <= MAX_LINES) return lines;
  const rest = lines.slice(MAX_LINES);
  const failed = rest.filter((line) => !line.ok).length;
  return [...lines.slice(0, MAX_LINES), { ok: failed === 0, message: `and ${formatCount(rest.length)} more (${formatCount(failed)} refused)` }];
}

async function post<T>(path: string, body: (ids: string[]) => unknown, ids: readonly string[], each: (result: T) => ReportLine[]): Promise<ControlReport> {
  const lines: ReportLine[] = [];
  for (const part of chunks(ids)) {
    const result = await sendControl<T>(path, { json: body(part) });
    if (!result.ok) {
      lines.push({ ok: false, message: `${result.message} (HTTP ${result.status || 'unreachable'}) for ${formatCount(part.length)} task(s)` });
      continue;
    }
    lines.push(...each(result.body));
  }
  return { ok: lines.length > 0 && lines.every((line) => line.ok), lines: capped(lines) };
}

export interface TasksBulkBarProps {
  readonly selected: ReadonlySet<string>;
  readonly rowOf: (uuid: string) => TaskRow | undefined;
  readonly onClear: () => void;
}

export function TasksBulkBar({ selected, rowOf, onClear }: TasksBulkBarProps) {
  const [terminate, setTerminate] = useState(false);
  const [signal, setSignal] = useState('SIGTERM');
  const ids = [...selected];
  const retryable = ids.filter((id) => RETRYABLE_STATES.has(rowOf(id)?.state ?? '')).length;
  // A row no longer loaded may still run: the server decides for it.
  const unfinished = ids.filter((id) => !FINISHED_STATES.has(rowOf(id)?.state ?? '')).length;
  const revokeReason = ids.length === 0 ? 'Select tasks to revoke' : unfinished === 0 ? 'The selected tasks have finished: nothing to revoke' : null;
  const retryReason = ids.length === 0 ? 'Select tasks to retry' : retryable === 0 ? 'Only failed or revoked tasks can be retried' : null;

  const revoke = (): Promise<ControlReport> =>
    post<BulkRevokeResult>('/api/v1/tasks/revoke', (part) => ({ ids: part, terminate, signal }), ids, (body) => [
      ...revokeReplyLines(body),
      ...body.revoked.map((id) => ({ target: id, ok: true, message: terminate ? `revoked, terminated with ${signal}` : 'revoked' })),
      ...body.refused.map((r) => ({ target: r.id, ok: false, message: r.reason })),
    ]);
  const retry = (): Promise<ControlReport> =>
    post<BulkRetryResult>('/api/v1/tasks/retry', (part) => ({ ids: part }), ids, (body) => [
      ...body.sent.map((s) => ({ target: s.id, ok: true, message: `sent again as ${s.new_id}` })),
      ...body.refused.map((r) => ({ target: r.id, ok: false, message: r.reason })),
    ]);

  return (
    <div className="row" data-testid="tasks-bulk">
      <span className="muted" data-testid="tasks-selected-count">
        {ids.length === 0 ? 'No task selected' : `${formatCount(ids.length)} selected`}
      </span>
      <ConfirmAction
        label="Revoke selected"
        title={`Revoke ${formatCount(ids.length)} task(s)?`}
        description="Workers will discard these tasks if they have not started them; with terminate, running ones are killed with the chosen signal. Finished tasks are refused."
        fields={
          <div className={styles.dialogFields}>
            <label>
              <input type="checkbox" data-testid="bulk-terminate" checked={terminate} onChange={(e) => setTerminate(e.target.checked)} /> terminate running tasks
            </label>
            <label>
              signal
              <select data-testid="bulk-signal" value={signal} disabled={!terminate} onChange={(e) => setSignal(e.target.value)}>
                {TERMINATE_SIGNALS.map((s) => (
                  <option key={s}>{s}</option>
                ))}
              </select>
            </label>
          </div>
        }
        confirmLabel="Revoke"
        danger
        disabledReason={revokeReason}
        testId="bulk-revoke"
        run={revoke}
      />
      <ConfirmAction
        label="Retry selected"
        title={`Retry ${formatCount(ids.length)} task(s)?`}
        description={`Each failed or revoked task is sent again with its arguments, as a new task. ${formatCount(retryable)} of the selected are failed or revoked; the server refuses the others and says why.`}
        confirmLabel="Retry"
        disabledReason={retryReason}
        testId="bulk-retry"
        run={retry}
      />
      {ids.length > 0 && (
        <button type="button" className="button ghost small" data-testid="tasks-clear-selection" onClick={onClear}>
          Clear selection
        </button>
      )}
    </div>
  );
}
