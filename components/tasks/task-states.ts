/** What the dashboard needs to know about Celery's task states to offer the right controls. */

/** Celery's READY_STATES: nothing more will happen to the task (nothing to revoke, no progress to poll). */
export const READY_STATES: ReadonlySet<string> = new Set(['SUCCESS', 'FAILURE', 'REVOKED', 'REJECTED']);

/** The states POST /api/v1/tasks/:id/retry accepts. */
export const RETRYABLE_STATES: ReadonlySet<string> = new Set(['FAILURE', 'REVOKED']);

/** Signals offered for revoke with terminate, the usual first. */
export const TERMINATE_SIGNALS = ['SIGTERM', 'SIGKILL', 'SIGINT', 'SIGQUIT', 'SIGHUP', 'SIGUSR1'] as const;
