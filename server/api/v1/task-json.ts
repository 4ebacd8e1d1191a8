/**
 * A task as /api/v1 shows it: snake_case, Celery's names, the reprs the events carried (strings, not
 * parsed), times in Unix seconds, and the links around it (parent, root, children, Pollen's retries).
 */
import { retryOf, type TaskLinkReads } from '../../state/task-links';
import type { TaskRecord } from '../../state/task-record';
import { runtimeOf, type V1Task } from '@/lib/api/tasks';

export type { V1Task };

/** Where a task's children and retries are read from: the model's link indexes (TaskStore). */
export type TaskLinks = TaskLinkReads;

export function v1Task(task: TaskRecord, links: TaskLinks): V1Task {
  const runtime = runtimeOf(task);
  return {
    uuid: task.uuid,
    name: task.name,
    state: task.state,
    worker: task.worker,
    client: task.sender,
    queue: task.queue,
    exchange: task.exchange,
    routing_key: task.routingKey,
    args: task.args,
    kwargs: task.kwargs,
    result: task.result,
    exception: task.exception,
    traceback: task.traceback,
    sent: task.sent,
    received: task.received,
    started: task.started,
    succeeded: task.succeeded,
    failed: task.failed,
    retried: task.retried,
    revoked: task.revoked,
    rejected: task.rejected,
    timestamp: task.timestamp,
    runtime: runtime.seconds,
    runtime_source: runtime.source,
    eta: task.eta,
    expires: task.expires,
    retries: task.retries,
    retry_history: task.retryHistory ?? [],
    root_id: task.rootId,
    parent_id: task.parentId,
    children: links.childrenOf(task.uuid),
    retry_of: retryOf(task),
    retried_as: links.retriedAs(task.uuid),
    lost: task.lost,
    clock_skew: task.clockSkew,
    revoke: task.revoked === null ? null : { terminated: task.terminated, signum: task.signum, expired: task.expired },
    settled: task.settled,
  };
}
