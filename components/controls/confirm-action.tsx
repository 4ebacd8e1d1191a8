'use client';
/**
 * A control button: it asks for confirmation in a dialog (with the control's own fields, if any), sends
 * the command, and shows what came back, line by line, until dismissed. A closed control (read-only mode,
 * a server that needs authentication for controls, a lost broker, or a reason of the caller's) shows
 * disabled with the reason written beside it: touch screens show no tooltips.
 */
import { type ReactNode, useEffect, useId, useRef, useState } from 'react';
import type { ControlReport } from './control-report';
import { useControlsClosed } from './controls-closed';

export interface ConfirmActionProps {
  /** The button's text. */
  readonly label: string;
  /** The dialog's question, e.g. "Revoke task 1f2e…?". */
  readonly title: string;
  /** What the command will do, in words an operator checks before confirming. */
  readonly description?: ReactNode;
  /** Fields of the command (signal, rate, …), rendered inside the dialog. */
  readonly fields?: ReactNode;
  readonly confirmLabel?: string;
  /** Why the dialog's fields cannot be sent as they stand ("The minimum is above the maximum"), written beside its confirm button. */
  readonly invalidReason?: string | null;
  readonly danger?: boolean;
  /** Disabled for a reason of the caller's, written beside the button ("The task has finished"). */
  readonly disabledReason?: string | null;
  /**
   * Set in a table with a control on each row, under a ControlsClosedNotice given the same `reason`: the
   * reasons its controls share (read-only, "The worker is offline", …) are written once there, not on
   * every row. `reason` (or null) closes the control as `disabledReason` does.
   */
  readonly sharedNotice?: { readonly reason: string | null };
  /** data-testid of the button; the dialog gets `${testId}-dialog`, its confirm `${testId}-confirm`. */
  readonly testId: string;
  readonly run: () => Promise<ControlReport>;
  /** Called after the command ran (to refresh what it changed). */
  readonly onDone?: (report: ControlReport) => void;
  readonly className?: string;
}

export function ConfirmAction(props: ConfirmActionProps) {
  const closed = useControlsClosed();
  const reasonId = useId();
  const dialog = useRef<HTMLDialogElement>(null);
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState<ControlReport | null>(null);

  useEffect(() => {
    const element = dialog.current;
    if (element === null) return;
    if (open && !element.open) element.showModal();
    if (!open && element.open) element.close();
  }, [open]);

  const sharedReason = props.sharedNotice === undefined ? null : (closed.reason ?? props.sharedNotice.reason);
  const closedReason = closed.reason ?? props.sharedNotice?.reason ?? props.disabledReason ?? null;
  const disabled = closed.loading || closedReason !== null;
  const shownReason = sharedReason !== null ? null : closedReason;

  const confirm = async (): Promise<void> => {
    setBusy(true);
    try {
      const result = await props.run();
      setReport(result);
      props.onDone?.(result);
    } catch (err) {
      setReport({ ok: false, lines: [{ ok: false, message: err instanceof Error ? err.message : String(err) }] });
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <span className="control">
        <button
          type="button"
          className={`button${props.danger ? ' danger' : ''}${props.className ? ` ${props.className}` : ''}`}
          data-testid={props.testId}
          disabled={disabled}
          title={closedReason ?? undefined}
          aria-describedby={shownReason !== null ? reasonId : undefined}
          onClick={() => {
            setReport(null);
            setOpen(true);
          }}
        >
          {props.label}
        </button>
        {shownReason !== null && (
          <span id={reasonId} className="control-reason" data-testid={`${props.testId}-reason`}>
            {shownReason}
          </span>
        )}
      </span>
      <dialog ref={dialog} className="dialog" data-testid={`${props.testId}-dialog`} onClose={() => setOpen(false)} aria-label={props.title}>
        <form
          method="dialog"
          onSubmit={(event) => {
            event.preventDefault();
            if (report === null) {
              if (!props.invalidReason) void confirm();
            }
            else setOpen(false);
          }}
        >
          <h2>{props.title}</h2>
          {props.description !== undefined && <div className="dialog-description">{props.description}</div>}
          {report === null && props.fields}
          {report !== null && <ReportView report={report} testId={`${props.testId}-result`} />}
          <div className="dialog-actions">
            {report === null ? (
              <>
                <button type="button" className="button ghost" onClick={() => setOpen(false)} disabled={busy}>
                  Cancel
                </button>
                <span className="control">
                  <button
                    type="submit"
                    className={`button${props.danger ? ' danger' : ' primary'}`}
                    data-testid={`${props.testId}-confirm`}
                    disabled={busy || (props.invalidReason ?? null) !== null}
                    aria-describedby={props.invalidReason ? `${reasonId}-invalid` : undefined}
                  >
                    {busy ? 'Sending…' : (props.confirmLabel ?? props.label)}
                  </button>
                  {props.invalidReason && (
                    <span id={`${reasonId}-invalid`} className="control-reason" data-testid={`${props.testId}-invalid`}>
                      {props.invalidReason}
                    </span>
                  )}
                </span>
              </>
            ) : (
              <button type="submit" className="button primary" data-testid={`${props.testId}-close`}>
                Close
              </button>
            )}
          </div>
        </form>
      </dialog>
    </>
  );
}

export function ReportView({ report, testId }: { report: ControlReport; testId: string }) {
  return (
    <ul className={`report ${report.ok ? 'ok' : 'bad'}`} data-testid={testId} role="status">
      {report.lines.map((line, i) => (
        <li key={i} className={line.ok ? 'status-ok' : 'status-bad'}>
          <span aria-hidden="true">{line.ok ? '✓' : '✗'}</span> {line.target !== undefined && <strong>{line.target}: </strong>}
          {line.message}
        </li>
      ))}
    </ul>
  );
}
