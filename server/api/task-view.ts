/**
 * One task as Pollen's APIs show it, made once from the model's record and the links the store keeps
 * around it. Every place that renders a task reads this view and nothing else: Flower's JSON
 * (flower-task-json.ts: GET /api/tasks, /api/task/info/:id) and v1's (v1/task-json.ts: GET /api/v1/tasks,
 * /api/v1/tasks/:id and the push channel's `tasks` and `task` topics). A field's meaning is decided here,
 * once; the renderers only name it.
 */
import { type RetryAttemptJson, type RuntimeSource, runtimeOf, type SettlementJson } from '@/lib/api/tasks';
import { retryOf, type TaskLinkReads } from '../state/task-links';
import type { TaskRecord } from '../state/task-record';

export interface TaskView {
  readonly uuid: string;
  readonly name: string | null;
  /** Celery's state (custom states by their upper-case name). */
  readonly state: string;
  /** Node name of the worker that received or ran it (the last one that reported on it). */
  readonly worker: string | null;
  /** Node name of the producer, from task-sent. */
  readonly client: string | null;
  /** The queue the producer sent it to (task-sent), which the routing key need not name. */
  readonly queue: string | null;
  readonly exchange: string | null;
  readonly routingKey: string | null;
  /** Python reprs as the events carried them (Celery's saferepr), never parsed. */
  readonly args: string | null;
  readonly kwargs: string | null;
  readonly result: string | null;
  /** The failure the task is in (FAILURE, or the RETRY it waits in); earlier attempts' are in retryHistory. */
  readonly exception: string | null;
  readonly traceback: string | null;
  /** When each event happened: sender timestamps, Unix seconds (the newest attempt's, for a retried task). */
  readonly sent: number | null;
  readonly received: number | null;
  readonly started: number | null;
  readonly succeeded: number | null;
  readonly failed: number | null;
  readonly retried: number | null;
  readonly revoked: number | null;
  readonly rejected: number | null;
  /** Sender timestamp (Unix seconds) and Lamport clock of the event that set `state`. */
  readonly timestamp: number;
  readonly clock: number;
  /**
   * Seconds it ran and where that comes from: the worker's own measure (task-succeeded), or for a failure
   * the time from task-started to task-failed (Celery's task-failed carries none); null seconds when
   * neither is known.
   */
  readonly runtime: { readonly seconds: number | null; readonly source: RuntimeSource | null };
  /** As the producer sent them (ISO 8601). */
  readonly eta: string | null;
  readonly expires: string | null;
  /** Celery's own retries (Task.retry, same id). */
  readonly retries: number;
  /** Each failed attempt Celery retried, oldest first; empty when none was. */
  readonly retryHistory: readonly RetryAttemptJson[];
  readonly rootId: string | null;
  readonly parentId: string | null;
  /** The task this one re-sends, when Pollen sent it as a retry (its task-sent names it). */
  readonly retryOf: string | null;
  /** Its worker went offline while it was received or started. */
  readonly lost: boolean;
  /** Seconds a sender's clock was off when one of its events came implausibly far from now; null while plausible. */
  readonly clockSkew: number | null;
  /** How it was revoked (task-revoked), or null when it was not. */
  readonly revoke: { readonly terminated: boolean; readonly signum: number | null; readonly expired: boolean } | null;
  /** Its state was learnt without its event, after a gap in the event stream; null when every event came. */
  readonly settled: SettlementJson | null;
}

/** A task with the links other tasks hold to it, read from the store's indexes. */
export interface LinkedTaskView extends TaskView {
  /** Held tasks whose parent is this one, in the order they were linked. */
  readonly children: readonly string[];
  /** Held tasks Pollen sent as retries of this one. */
  readonly retriedAs: readonly string[];
}

const NO_ATTEMPTS: readonly RetryAttemptJson[] = [];

/** The task alone: what a row of a list shows. */
export function taskView(task: TaskRecord): TaskView {
  return {
    uuid: task.uuid,
    name: task.name,
    state: task.state,
    worker: task.worker,
    client: task.sender,
    queue: task.queue,
    exchange: task.exchange,
    routingKey: task.routingKey,
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
    clock: task.clock,
    runtime: runtimeOf(task),
    eta: task.eta,
    expires: task.expires,
    retries: task.retries,
    retryHistory: task.retryHistory ?? NO_ATTEMPTS,
    rootId: task.rootId,
    parentId: task.parentId,
    retryOf: retryOf(task),
    lost: task.lost,
    clockSkew: task.clockSkew,
    revoke: task.revoked === null ? null : { terminated: task.terminated, signum: task.signum, expired: task.expired },
    settled: task.settled,
  };
}

/** The task with its children and retries, as the store's link indexes give them (TaskStore). */
export function linkedTaskView(task: TaskRecord, links: TaskLinkReads): LinkedTaskView {
  return { ...taskView(task), children: links.childrenOf(task.uuid), retriedAs: links.retriedAs(task.uuid) };
}
