/**
 * Flower's `GET /api/task/result/:taskid` (FLOWER-API.md §2.2) and the result fields that apply shares
 * with it: `{"task-id", "state", "result"?, "traceback"?}`, the result only once the task is ready, an
 * exception as Python's repr (Flower's safe_result), the traceback on FAILURE.
 *
 * Beyond Flower: a `timeout` that runs out answers the state at that moment (Flower's result.get raises
 * and the request fails with 500), and the state is read after the wait, not before it.
 */
import type { Redactor } from '@/lib/redact/redactor';
import { redactTaskMeta } from '@/lib/redact/task-redaction';
import { z } from 'zod';
import { exceptionRepr, MalformedResultError, type ResultBackend, ResultTimeoutError } from '@/lib/backend';
import { READY_STATES, type TaskMeta, TaskState } from '@/lib/celery';
import { BACKEND_READ_TIMEOUT_MS, BACKEND_UNAVAILABLE, BackendUnavailableError, readBackend } from '../backend/request-read';
import { apiError, type ApiResponse, badRequest } from './api-error';
import { NO_BACKEND, type Handler } from './flower-control';
import { secondsParam } from './flower-control-params';

/** The longest any one request waits for a task (apply, result): an HTTP request is no place for longer. */
export const MAX_WAIT_SECONDS = 600;

export const resultQuery = z.object({
  timeout: secondsParam
    .pipe(z.number().max(MAX_WAIT_SECONDS, `must be at most ${MAX_WAIT_SECONDS} seconds`))
    .optional()
    .describe(`seconds to wait for the task to be ready (at most ${MAX_WAIT_SECONDS}); without it, the state now`),
});

/** `result` (and `traceback` on FAILURE) once the task is ready; nothing before. */
/** A ready meta's result (and traceback), its secrets masked (--redact) as everything Pollen shows. */
export function resultFields(stored: TaskMeta | null, redactor: Redactor): Record<string, unknown> {
  if (stored === null || !READY_STATES.has(stored.status)) return {};
  const meta = redactTaskMeta(redactor, stored);
  // FAILURE and REVOKED store the exception; Flower answers repr(exc), e.g. "ValueError('boom')".
  const result = meta.status !== TaskState.Success && meta.exception ? exceptionRepr(meta.result) : meta.result;
  return meta.status === TaskState.Failure ? { result, traceback: meta.traceback } : { result };
}

export function stateOf(meta: TaskMeta | null): string {
  return meta?.status ?? TaskState.Pending;
}

/** The ready meta, or when `timeoutMs` runs out the meta stored then (null: PENDING); `ready` says which. */
export async function waitForTask(backend: ResultBackend, taskId: string, timeoutMs: number): Promise<{ meta: TaskMeta | null; ready: boolean }> {
  try {
    // The wait is the caller's own bound; only a backend known to be down cuts it short.
    return { meta: await readBackend(backend, (b) => b.waitForReady(taskId, timeoutMs), timeoutMs + BACKEND_READ_TIMEOUT_MS), ready: true };
  } catch (err) {
    if (!(err instanceof ResultTimeoutError)) throw err;
    return { meta: await readBackend(backend, (b) => b.get(taskId)), ready: false };
  }
}

/**
 * A result backend that failed: unreachable, stalled or refusing (503 `backend_unavailable`), or holding
 * something Celery would not write (502).
 */
export function backendFailure(err: unknown): ApiResponse {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof MalformedResultError) return apiError(502, `the result backend holds a malformed result: ${message}`);
  const reason = err instanceof BackendUnavailableError ? err.reason : message;
  return apiError(503, `the result backend cannot be read now (${reason}); try again once it is back`, BACKEND_UNAVAILABLE);
}

export const getTaskResult: Handler = async ({ params, fields }, context) => {
  const parsed = resultQuery.safeParse(fields);
  if (!parsed.success) return badRequest(parsed.error);
  if (context.backend === null) return apiError(503, NO_BACKEND);
  const id = params['id'] ?? '';
  const timeout = parsed.data.timeout ?? 0;
  try {
    const meta = timeout > 0 ? (await waitForTask(context.backend, id, timeout * 1000)).meta : await readBackend(context.backend, (b) => b.get(id));
    return { status: 200, body: { 'task-id': id, state: stateOf(meta), ...resultFields(meta, context.redactor) } };
  } catch (err) {
    return backendFailure(err);
  }
};
