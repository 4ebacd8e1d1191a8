/** The task controls' options; which states allow them is in lib/api/task-states.ts. */

/** Signals offered for revoke with terminate, the usual first. */
export const TERMINATE_SIGNALS = ['SIGTERM', 'SIGKILL', 'SIGINT', 'SIGQUIT', 'SIGHUP', 'SIGUSR1'] as const;
