/**
 * A task as /api/v1 and the push channel show it: snake_case, Celery's names, the reprs the events
 * carried (strings, not parsed), times in Unix seconds, and the links around it (parent, root, children,
 * Pollen's retries). Rendered from the task view (../task-view.ts).
 */
import type { TaskLinkReads } from '../../state/task-links';
import type { V1Task, V1TaskRow } from '@/lib/api/tasks';
import type { LinkedTaskView, TaskView } from '../task-view';

export type { V1Task, V1TaskRow };

/** Where a task's children and retries are read from: the model's link indexes (TaskStore). */
export type TaskLinks = TaskLinkReads;

/** A row of a list (the push `tasks` topic): the task without the links other tasks hold. */
export function v1TaskRow(view: TaskView): V1TaskRow {
  return {
    uuid: view.uuid,
    name: view.name,
    state: view.state,
    worker: view.worker,
    client: view.client,
    queue: view.queue,
    exchange: view.exchange,
    routing_key: view.routingKey,
    args: view.args,
    kwargs: view.kwargs,
    result: view.result,
    exception: view.exception,
    traceback: view.traceback,
    sent: view.sent,
    received: view.received,
    started: view.started,
    succeeded: view.succeeded,
    failed: view.failed,
    retried: view.retried,
    revoked: view.revoked,
    rejected: view.rejected,
    timestamp: view.timestamp,
    runtime: view.runtime.seconds,
    runtime_source: view.runtime.source,
    eta: view.eta,
    expires: view.expires,
    retries: view.retries,
    retry_history: view.retryHistory,
    root_id: view.rootId,
    parent_id: view.parentId,
    retry_of: view.retryOf,
    lost: view.lost,
    clock_skew: view.clockSkew,
    revoke: view.revoke,
    settled: view.settled,
  };
}

/** The task with its links: GET /api/v1/tasks's rows, GET /api/v1/tasks/:id and the push `task` topic. */
export function v1Task(view: LinkedTaskView): V1Task {
  return { ...v1TaskRow(view), children: view.children, retried_as: view.retriedAs };
}
