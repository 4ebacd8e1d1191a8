/**
 * The sets of task states Pollen's task model and API reason with, declared once for the server and the
 * dashboard. They are Pollen's, not Celery's: Celery's own READY_STATES (lib/celery/result-meta.ts:
 * SUCCESS, FAILURE, REVOKED) describes result-backend meta and stays there. A task in the model also
 * ends REJECTED (a worker refused it without requeue), so the model's finished set has one more member.
 */

/** Nothing more will happen to the task: nothing to revoke or abort, no progress to poll. */
export const FINISHED_STATES: ReadonlySet<string> = new Set(['SUCCESS', 'FAILURE', 'REVOKED', 'REJECTED']);

/** The states POST /api/v1/tasks/:id/retry (and a bulk retry) accepts. */
export const RETRYABLE_STATES: ReadonlySet<string> = new Set(['FAILURE', 'REVOKED']);

/** Still some worker's work; a worker that goes offline leaves such tasks lost. */
export const IN_FLIGHT_STATES: ReadonlySet<string> = new Set(['RECEIVED', 'STARTED']);
