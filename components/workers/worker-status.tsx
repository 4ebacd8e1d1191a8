import type { WorkerLiveness } from './worker-rows';

const SHOWN: Record<WorkerLiveness, { readonly className: string; readonly title: string | undefined }> = {
  online: { className: 'status-ok', title: undefined },
  offline: { className: 'status-bad', title: undefined },
  unknown: { className: 'status-warn', title: 'Pollen cannot hear the broker, or has not heard this worker since it could again: its liveness is unknown, not offline' },
};

/** Online, offline or unknown, as the server judges it from heartbeats it could hear (the page only shows). */
export function WorkerStatus({ status, testId = 'worker-status' }: { status: WorkerLiveness; testId?: string }) {
  const shown = SHOWN[status];
  return (
    <span className={`badge ${shown.className}`} data-testid={testId} data-alive={status !== 'offline'} data-status={status} title={shown.title}>
      {status}
    </span>
  );
}
