/**
 * A task as Flower's API returns it: the fields of Celery's events.state.Task, with `worker` as the
 * hostname string (FLOWER-API.md §2.2). Pollen's additions (queue, lost, retry history, revoke details,
 * settlement) are under their own names and never change Flower's.
 */
import type { RetryAttemptJson, SettlementJson } from '@/lib/api/tasks';
import type { LinkedTaskView } from './task-view';

export interface FlowerTaskJson {
  readonly uuid: string;
  readonly name: string | null;
  readonly state: string;
  readonly received: number | null;
  readonly sent: number | null;
  readonly started: number | null;
  readonly rejected: number | null;
  readonly succeeded: number | null;
  readonly failed: number | null;
  readonly retried: number | null;
  readonly revoked: number | null;
  readonly args: string | null;
  readonly kwargs: string | null;
  readonly eta: string | null;
  readonly expires: string | null;
  readonly retries: number;
  readonly result: string | null;
  readonly exception: string | null;
  readonly timestamp: number;
  /** Celery's Task.runtime: the worker's measure from task-succeeded, null otherwise (a failure too). */
  readonly runtime: number | null;
  readonly traceback: string | null;
  readonly exchange: string | null;
  readonly routing_key: string | null;
  readonly clock: number;
  readonly client: string | null;
  readonly root_id: string | null;
  readonly parent_id: string | null;
  readonly children: readonly string[];
  readonly worker: string | null;
  // Pollen's own fields.
  readonly queue: string | null;
  readonly lost: boolean;
  /** Null when Celery retried no attempt. */
  readonly retry_history: readonly RetryAttemptJson[] | null;
  readonly revoke_info: LinkedTaskView['revoke'];
  readonly settled: SettlementJson | null;
}

export function flowerTask(view: LinkedTaskView): FlowerTaskJson {
  return {
    uuid: view.uuid,
    name: view.name,
    state: view.state,
    received: view.received,
    sent: view.sent,
    started: view.started,
    rejected: view.rejected,
    succeeded: view.succeeded,
    failed: view.failed,
    retried: view.retried,
    revoked: view.revoked,
    args: view.args,
    kwargs: view.kwargs,
    eta: view.eta,
    expires: view.expires,
    retries: view.retries,
    result: view.result,
    exception: view.exception,
    timestamp: view.timestamp,
    runtime: view.runtime.source === 'worker' ? view.runtime.seconds : null,
    traceback: view.traceback,
    exchange: view.exchange,
    routing_key: view.routingKey,
    clock: view.clock,
    client: view.client,
    root_id: view.rootId,
    parent_id: view.parentId,
    children: view.children,
    worker: view.worker,
    queue: view.queue,
    lost: view.lost,
    retry_history: view.retryHistory.length === 0 ? null : view.retryHistory,
    revoke_info: view.revoke,
    settled: view.settled,
  };
}
