/**
 * JSON shapes of /api/v1/tasks*, shared by the server that writes them and the dashboard that reads them:
 * snake_case, Celery's names, the reprs the events carried (strings, not parsed), times in Unix seconds.
 */
import type { JsonObject } from '@/lib/celery';

/** One failed run that Celery retried (Task.retry, same id), from its task-retried event. */
export interface RetryAttemptJson {
  /** Which attempt failed: 0 for the first run, 1 for the first retry, ... */
  readonly retries: number;
  /** Sender timestamp of the task-retried event. */
  readonly timestamp: number;
  readonly exception: string | null;
  readonly traceback: string | null;
  readonly worker: string | null;
}

/**
 * A task as a list shows it: GET /api/v1/tasks's rows and the push `tasks` topic's, field for field, but
 * for the links other tasks hold (V1Task's `children` and `retried_as`): those are lists without bound
 * (a group's parent has every member as a child), read from the model's indexes, and no list shows them.
 */
export interface V1TaskRow {
  readonly uuid: string;
  readonly name: string | null;
  readonly state: string;
  /** Node name of the worker that received or ran it. */
  readonly worker: string | null;
  /** Node name of the producer, from task-sent. */
  readonly client: string | null;
  /** The queue the producer sent it to (task-sent): the routing key need not name a queue. */
  readonly queue: string | null;
  readonly exchange: string | null;
  readonly routing_key: string | null;
  /** Python reprs (Celery's saferepr, cut at 1024 characters). */
  readonly args: string | null;
  readonly kwargs: string | null;
  readonly result: string | null;
  /** The failure the task is in (FAILURE, or the RETRY it waits in); earlier attempts' are in retry_history. */
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
  /**
   * Where `runtime` comes from: the worker's task-succeeded, or for a failure the time from task-started to
   * task-failed (Celery's task-failed carries no runtime).
   */
  readonly runtime_source: RuntimeSource | null;
  readonly eta: string | null;
  readonly expires: string | null;
  /** Celery's own retries (Task.retry, same id). */
  readonly retries: number;
  readonly retry_history: readonly RetryAttemptJson[];
  readonly root_id: string | null;
  readonly parent_id: string | null;
  /** The task this one re-sends, when Pollen sent it as a retry. */
  readonly retry_of: string | null;
  /** Its worker went offline while it was received or started. */
  readonly lost: boolean;
  /**
   * Seconds a sender's clock was off (event timestamp minus Pollen's receive time) when one of the task's
   * events came implausibly far from now (hours ahead, days behind); null while its clocks look right. Its
   * timestamps are as sent; lists sort it by when Pollen received it instead.
   */
  readonly clock_skew: number | null;
  readonly revoke: { readonly terminated: boolean; readonly signum: number | null; readonly expired: boolean } | null;
  /** Its state was learnt without its event, after a gap in the event stream; null when every event came. */
  readonly settled: SettlementJson | null;
}

/**
 * A task with the links around it: GET /api/v1/tasks's rows, GET /api/v1/tasks/:id's `task`, and the push
 * `task` topic's record, which are equal field for field.
 */
export interface V1Task extends V1TaskRow {
  /** Held tasks whose parent_id is this one, in the order they were linked. */
  readonly children: readonly string[];
  /** The tasks Pollen sent as retries of this one. */
  readonly retried_as: readonly string[];
}

/** How a task's state was learnt when its events fell into a gap in the event stream (Unix seconds). */
export interface SettlementJson {
  readonly source: 'result backend' | 'inspect';
  readonly at: number;
  readonly gap: { readonly from: number; readonly to: number; readonly reason: string } | null;
}

export type RuntimeSource = 'worker' | 'started-failed';

/**
 * Seconds a task ran: the worker's measure (task-succeeded), else for a failure the time from its
 * task-started to its task-failed, since Celery's task-failed carries no runtime. The task view
 * (server/api/task-view.ts) and the store's runtime sort both read it.
 */
export function runtimeOf(task: RuntimeFields): {
  readonly seconds: number | null;
  readonly source: RuntimeSource | null;
} {
  if (task.runtime !== null) return { seconds: task.runtime, source: 'worker' };
  const seconds = runtimeSeconds(task);
  return seconds === null ? { seconds: null, source: null } : { seconds, source: 'started-failed' };
}

export interface RuntimeFields {
  readonly state: string;
  readonly runtime: number | null;
  readonly started: number | null;
  readonly failed: number | null;
}

/** runtimeOf's seconds without its source (and without allocating: the model's runtime order reads it per event). */
export function runtimeSeconds(task: RuntimeFields): number | null {
  if (task.runtime !== null) return task.runtime;
  if (task.state === 'FAILURE' && task.started !== null && task.failed !== null && task.failed >= task.started) return task.failed - task.started;
  return null;
}

/** GET /api/v1/tasks. */
export interface TaskPage {
  readonly tasks: readonly V1Task[];
  /** Pass it as `cursor` for the next page; null when no task is past this page. */
  readonly next_cursor: string | null;
  /** Tasks matching the filters, on every page. */
  readonly total_matching: number;
  /**
   * False when history stopped counting at a bound (a search or a time range over millions of tasks):
   * at least total_matching tasks match. Pages are complete either way.
   */
  readonly total_exact: boolean;
}

/** The sort keys of GET /api/v1/tasks. */
export const TASK_SORT_KEYS = ['arrival', 'received', 'started', 'succeeded', 'runtime'] as const;
export type TaskSortKey = (typeof TASK_SORT_KEYS)[number];

export interface TimelineEntry {
  readonly type: string;
  /** Sender timestamp, Unix seconds. */
  readonly timestamp: number;
  /**
   * Who sent it, where the model knows that for this very event: the producer of task-sent, the worker of
   * each task-retried. (The task's `worker` is the last one that reported on it.)
   */
  readonly hostname?: string | null;
  /** task-retried: the attempt (0 = first run) and its exception. */
  readonly retries?: number;
  readonly exception?: string | null;
}

/** GET /api/v1/tasks/:id. */
export interface TaskDetail {
  /** Null when only the result backend knows the task (Pollen never saw it, or evicted it). */
  readonly task: V1Task | null;
  readonly timeline: readonly TimelineEntry[];
  /** Null without --result-backend. */
  readonly backend: BackendReadJson | null;
}

/** What the result backend said about a task, or why it could not say. */
export interface BackendReadJson {
  /**
   * False when the backend could not be read now (down, stalled: `error` says why); the task is then
   * served from Pollen's events alone, at once, rather than waiting for the backend to come back.
   */
  readonly available: boolean;
  readonly meta: JsonObject | null;
  readonly error: string | null;
}

/**
 * child: Celery's parent_id; retry: Pollen re-sent the task; group: a group (or chord header) to one of its
 * tasks; chord: a chord header task to the chord's body, which runs after all of them.
 */
export type WorkflowEdgeKind = 'child' | 'retry' | 'group' | 'chord';

export interface WorkflowNode {
  /** A task id, or a group id for a `kind: 'group'` node. */
  readonly id: string;
  /** A group sent by a client (or a chord's header), known from the result backend's group_id: not a task. */
  readonly kind?: 'group';
  readonly name: string | null;
  readonly state: string | null;
  /** Whether Pollen holds the task (false: only its id is known, from a child). */
  readonly known: boolean;
  /** Celery's own retries of it (same id). */
  readonly retries: number;
}

export interface WorkflowEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: WorkflowEdgeKind;
}

/** GET /api/v1/tasks/:id/workflow. */
export interface Workflow {
  readonly root: string;
  readonly nodes: readonly WorkflowNode[];
  readonly edges: readonly WorkflowEdge[];
  /** More tasks belong to the workflow than the server's cap. */
  readonly truncated: boolean;
}

/** POST /api/v1/tasks/:id/retry. */
export interface RetrySent {
  readonly 'task-id': string;
}

export interface Refusal {
  readonly id: string;
  readonly reason: string;
}

/** POST /api/v1/tasks/retry (not a dry run). */
export interface BulkRetryResult {
  readonly matched: number;
  readonly sent: readonly { readonly id: string; readonly new_id: string }[];
  readonly refused: readonly Refusal[];
}

/** One worker's answer to the revoke broadcast. */
export interface RevokeReply {
  readonly worker: string;
  /** The worker flagged the tasks as revoked (and signalled them, with terminate). */
  readonly ok: boolean;
  /** Celery's own words, e.g. "tasks 1f2e… flagged as revoked", or the error. */
  readonly message: string;
}

/** POST /api/v1/tasks/revoke (not a dry run). */
export interface BulkRevokeResult {
  readonly matched: number;
  readonly revoked: readonly string[];
  readonly refused: readonly Refusal[];
  /** The workers that answered within --inspect-timeout, by name; empty when nothing was revoked. */
  readonly replies: readonly RevokeReply[];
}
