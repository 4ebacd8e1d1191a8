/**
 * Whether and how a task can be re-sent: a pure decision over what the model, the result backend and the
 * worker's queues say, so the same rules serve one retry, a bulk retry and its dry run.
 *
 * Only a FAILURE or REVOKED task is retried, once (unless forced: a bulk retry run twice must not send
 * everything twice), under a new id, with the original name, args, kwargs (retry-call.ts) and queue
 * (retry-routing.ts). eta, countdown and expires are not carried over: the retry runs now, and an
 * absolute expiry in the past would revoke it on arrival. Link callbacks, chain steps and time limits are
 * in the original message only, which neither the events nor the backend keep, so a retried chain step
 * runs alone.
 */
import { RETRYABLE_STATES } from '@/lib/api/task-states';
import type { JsonObject, JsonValue } from '@/lib/celery';
import type { TaskRecord } from '../state/task-record';
import { type BackendView, type CallSource, planCall } from './retry-call';
import { planRouting, type RoutingSource, type WorkerQueue } from './retry-routing';

export type RetryTask = Pick<TaskRecord, 'state' | 'lost' | 'name' | 'args' | 'kwargs' | 'queue' | 'worker'>;

export interface RetrySubject {
  readonly id: string;
  /** The model's record; null when Pollen does not hold the task (evicted, or from before it started). */
  readonly task: RetryTask | null;
  readonly backend: BackendView;
  /** The queues the task's worker consumes, null when not known. */
  readonly workerQueues: readonly WorkerQueue[] | null;
  /** Tasks Pollen already sent as retries of this one. */
  readonly retriedAs: readonly string[];
}

export interface RetryRequest {
  readonly queue?: string | undefined;
  readonly priority?: number | undefined;
  /** Retry even when Pollen already retried this task. */
  readonly force?: boolean | undefined;
}

export interface RetrySend {
  readonly ok: true;
  readonly id: string;
  readonly name: string;
  readonly args: JsonValue[];
  readonly kwargs: JsonObject;
  readonly queue: string;
  readonly priority: number | null;
  readonly sources: { readonly call: CallSource; readonly routing: RoutingSource };
}

export type RetryPlan = RetrySend | { readonly ok: false; readonly status: 404 | 409; readonly reason: string };

export function planRetry(subject: RetrySubject, request: RetryRequest = {}): RetryPlan {
  const { id, task, backend } = subject;
  const meta = backend.kind === 'meta' ? backend.meta : null;
  const state = task?.state ?? meta?.status ?? null;
  if (state === null) return { ok: false, status: 404, reason: `Unknown task '${id}'` };
  if (!RETRYABLE_STATES.has(state)) {
    const lost = task?.lost ? ' (lost: its worker went offline)' : '';
    return refused(id, `it is ${state}${lost}: only FAILURE and REVOKED tasks are retried`);
  }
  if (subject.retriedAs.length > 0 && request.force !== true) {
    return refused(id, `it was already retried as ${subject.retriedAs.join(', ')}; pass force=true to retry it again`);
  }
  const call = planCall(task, backend);
  if (!call.ok) return refused(id, call.reason);
  const routing = planRouting({
    requested: { queue: request.queue, priority: request.priority },
    sentQueue: task?.queue ?? null,
    backendQueue: meta?.extended ? meta.queue : null,
    worker: task?.worker ?? meta?.worker ?? null,
    workerQueues: subject.workerQueues,
  });
  if (!routing.ok) return refused(id, routing.reason);
  return {
    ok: true,
    id,
    name: call.name,
    args: call.args,
    kwargs: call.kwargs,
    queue: routing.queue,
    priority: routing.priority,
    sources: { call: call.source, routing: routing.source },
  };
}

function refused(id: string, why: string): RetryPlan {
  return { ok: false, status: 409, reason: `Task '${id}' cannot be retried: ${why}` };
}
