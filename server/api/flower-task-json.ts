/**
 * A task as Flower's API returns it: the fields of Celery's events.state.Task, with `worker` as the
 * hostname string (FLOWER-API.md §2.2). Pollen's additions (lost, retry history) are under their own
 * names and never change Flower's.
 */
import type { TaskRecord } from '../state/task-record';

export function flowerTask(task: TaskRecord, children: readonly string[]): Record<string, unknown> {
  return {
    uuid: task.uuid,
    name: task.name,
    state: task.state,
    received: task.received,
    sent: task.sent,
    started: task.started,
    rejected: task.rejected,
    succeeded: task.succeeded,
    failed: task.failed,
    retried: task.retried,
    revoked: task.revoked,
    args: task.args,
    kwargs: task.kwargs,
    eta: task.eta,
    expires: task.expires,
    retries: task.retries,
    result: task.result,
    exception: task.exception,
    timestamp: task.timestamp,
    runtime: task.runtime,
    traceback: task.traceback,
    exchange: task.exchange,
    routing_key: task.routingKey,
    clock: task.clock,
    client: task.sender,
    root_id: task.rootId,
    parent_id: task.parentId,
    children,
    worker: task.worker,
    // Pollen's own fields. `queue` is the one the producer sent the task to (task-sent), which the
    // routing key need not name.
    queue: task.queue,
    lost: task.lost,
    retry_history: task.retryHistory,
    revoke_info: task.revoked === null ? null : { terminated: task.terminated, signum: task.signum, expired: task.expired },
    settled: task.settled,
  };
}
