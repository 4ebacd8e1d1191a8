/**
 * A task as /api/v1 shows it: snake_case, Celery's names, the reprs the events carried (strings, not
 * parsed), times in Unix seconds, and the links around it (parent, root, children, Pollen's retries).
 */
import { childrenIndex } from '../flower-task-json';
import { retriesIndex, retryOf } from '../../retry/retry-link';
import type { ClusterState } from '../../state/cluster-state';
import type { RetryAttempt, TaskRecord } from '../../state/task-record';

export interface V1Task {
  readonly uuid: string;
  readonly name: string | null;
  readonly state: string;
  /** Node name of the worker that received or ran it. */
  readonly worker: string | null;
  /** Node name of the producer, from task-sent. */
  readonly client: string | null;
  readonly queue: string | null;
  readonly exchange: string | null;
  readonly routing_key: string | null;
  /** Python reprs (Celery's saferepr, cut at 1024 characters). */
  readonly args: string | null;
  readonly kwargs: string | null;
  readonly result: string | null;
  readonly exception: string | null;
  readonly traceback: string | null;
  readonly sent: number | null;
  readonly received: number | null;
  readonly started: number | null;
  readonly succeeded: number | null;
  readonly failed: number | null;
  readonly retried: number | null;
  readonly revoked: number | null;
  readonly rejected: number | null;
  /** When the current state was reached. */
  readonly timestamp: number;
  readonly runtime: number | null;
  readonly eta: string | null;
  readonly expires: string | null;
  /** Celery's own retries (Task.retry, same id). */
  readonly retries: number;
  readonly retry_history: readonly RetryAttempt[];
  readonly root_id: string | null;
  readonly parent_id: string | null;
  readonly children: readonly string[];
  /** The task this one re-sends, when Pollen sent it as a retry. */
  readonly retry_of: string | null;
  /** The tasks Pollen sent as retries of this one. */
  readonly retried_as: readonly string[];
  /** Its worker went offline while it was received or started. */
  readonly lost: boolean;
  readonly revoke: { readonly terminated: boolean; readonly signum: number | null; readonly expired: boolean } | null;
}

export interface TaskLinks {
  readonly children: ReadonlyMap<string, readonly string[]>;
  readonly retries: ReadonlyMap<string, readonly string[]>;
}

/** Children and retries of every task, in one pass over the model. */
export function taskLinks(state: ClusterState): TaskLinks {
  return { children: childrenIndex(state.tasks.values()), retries: retriesIndex(state.tasks.values()) };
}

export function v1Task(task: TaskRecord, links: TaskLinks): V1Task {
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
    runtime: task.runtime,
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
    revoke: task.revoked === null ? null : { terminated: task.terminated, signum: task.signum, expired: task.expired },
  };
}
