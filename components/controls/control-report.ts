import type { BulkRevokeResult } from '@/lib/api/tasks';
import type { ControlResult } from '../api/api-client';

/** One line of what a control did: per worker for commands sent to several, else one line. */
export interface ReportLine {
  /** The worker or task it concerns, when the control went to several. */
  readonly target?: string;
  readonly ok: boolean;
  readonly message: string;
}

/** What the page shows after a control: every line, and whether all of it worked. */
export interface ControlReport {
  readonly ok: boolean;
  readonly lines: readonly ReportLine[];
}

export function reportOf(result: ControlResult, target?: string): ControlReport {
  const line: ReportLine = { ...(target !== undefined && { target }), ok: result.ok, message: result.ok ? result.message : describeFailure(result) };
  return { ok: result.ok, lines: [line] };
}

/** A control sent to several targets (a rate limit to every worker that runs the task). */
export function reportOfMany(results: readonly { target: string; result: ControlResult }[]): ControlReport {
  if (results.length === 0) return { ok: false, lines: [{ ok: false, message: 'No worker to send it to' }] };
  const lines = results.map(({ target, result }) => reportOf(result, target).lines[0] as ReportLine);
  return { ok: lines.every((line) => line.ok), lines };
}

function describeFailure(result: Extract<ControlResult, { ok: false }>): string {
  return result.status === 0 ? `Could not reach the server: ${result.message}` : `${result.message} (HTTP ${result.status})`;
}

/** The workers' answers to a revoke broadcast, one line each, or one line saying none confirmed it. */
export function revokeReplyLines(result: BulkRevokeResult): ReportLine[] {
  const lines: ReportLine[] = result.replies.map((reply) => ({ target: reply.worker, ok: reply.ok, message: reply.message }));
  if (result.revoked.length > 0 && lines.length === 0) {
    lines.push({ ok: false, message: 'The revoke was broadcast, but no worker replied in time: check that the workers are online.' });
  }
  return lines;
}
