/**
 * A task as /api/v1 shows it: snake_case, Celery's names, the reprs the events carried (strings, not
 * parsed), times in Unix seconds, and the links around it (parent, root, children, Pollen's retries).
 */
import { childrenIndex } from '../flower-task-json';
import { retriesIndex, retryOf } from '../../retry/retry-link';
import type { ClusterState } from '../../state/cluster-state';
import type { TaskRecord } from '../../state/task-record';
import { runtimeOf, type V1Task } from '@/lib/api/tasks';

export type { V1Task };

export interface TaskLinks {
  readonly children: ReadonlyMap<string, readonly string[]>;
  readonly retries: ReadonlyMap<string, readonly string[]>;
}

/** Children and retries of every task, in one pass over the model. */
export function taskLinks(state: ClusterState): TaskLinks {
  return { children: childrenIndex(state.tasks.values()), retries: retriesIndex(state.tasks.values()) };
}

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
    children: links.children.get(task.uuid) ?? [],
    retry_of: retryOf(task),
    retried_as: links.retries.get(task.uuid) ?? [],
    lost: task.lost,
    clock_skew: task.clockSkew,
    revoke: task.revoked === null ? null : { terminated: task.terminated, signum: task.signum, expired: task.expired },
    settled: task.settled,
  };
}
