/**
 * Celery events as Pollen holds them after decoding. CELERY-WIRE.md §5.3–5.4; every type below is in
 * captures/{redis,amqp}/events-flat.jsonl except task-cancelled (read from Celery's source).
 *
 * Wire names are translated once (root_id -> rootId). Fields an event carries beyond its type's own are
 * kept in `extra`, and event types Celery does not define (Task.send_event) decode as CustomEvent, so
 * nothing a newer Celery or a user adds is lost.
 */
import type { JsonObject } from './json';

export const TaskEventType = {
  Sent: 'task-sent',
  Received: 'task-received',
  Started: 'task-started',
  Succeeded: 'task-succeeded',
  Failed: 'task-failed',
  Retried: 'task-retried',
  Rejected: 'task-rejected',
  Revoked: 'task-revoked',
  Cancelled: 'task-cancelled',
} as const;
export type TaskEventType = (typeof TaskEventType)[keyof typeof TaskEventType];

export const WorkerEventType = {
  Online: 'worker-online',
  Heartbeat: 'worker-heartbeat',
  Offline: 'worker-offline',
} as const;
export type WorkerEventType = (typeof WorkerEventType)[keyof typeof WorkerEventType];

interface EventBase {
  /** Sender node name: `celery@host`, or `gen<pid>@host` for producers. */
  readonly hostname: string;
  /** Sender's time.time() when the event was made (Unix seconds, UTC). Stored raw, never localized. */
  readonly timestamp: number;
  /** Negated local UTC offset of the sender in hours (`time.timezone // 3600`): UTC+2 -> -2. */
  readonly utcoffset: number;
  readonly pid: number | null;
  /** Sender's Lamport clock: orders events of one sender, not across senders. */
  readonly clock: number;
  /** Fields not named by this event type, as they came. */
  readonly extra: JsonObject | null;
  /**
   * Wire names of this type's fields that the sender left out (read as null above), so that re-encoding
   * omits them too: a NotRegistered task-failed has no `traceback`, an answer to the `heartbeat` command
   * has no `active`. Null when none are missing.
   */
  readonly absentFields: readonly string[] | null;
}

interface TaskEventBase extends EventBase {
  readonly known: true;
  readonly uuid: string;
}

export interface TaskSentEvent extends TaskEventBase {
  readonly type: typeof TaskEventType.Sent;
  readonly name: string | null;
  /** Python reprs (saferepr), not JSON: see python-repr.ts. */
  readonly args: string | null;
  readonly kwargs: string | null;
  readonly rootId: string | null;
  readonly parentId: string | null;
  readonly retries: number | null;
  readonly eta: string | null;
  readonly expires: string | null;
  readonly queue: string | null;
  readonly exchange: string | null;
  readonly routingKey: string | null;
}

export interface TaskReceivedEvent extends TaskEventBase {
  readonly type: typeof TaskEventType.Received;
  readonly name: string | null;
  readonly args: string | null;
  readonly kwargs: string | null;
  readonly rootId: string | null;
  readonly parentId: string | null;
  readonly retries: number | null;
  readonly eta: string | null;
  readonly expires: string | null;
}

export interface TaskStartedEvent extends TaskEventBase {
  readonly type: typeof TaskEventType.Started;
}

export interface TaskSucceededEvent extends TaskEventBase {
  readonly type: typeof TaskEventType.Succeeded;
  /** saferepr of the return value, at most 1024 characters. */
  readonly result: string | null;
  /** Seconds. */
  readonly runtime: number | null;
}

export interface TaskFailedEvent extends TaskEventBase {
  readonly type: typeof TaskEventType.Failed | typeof TaskEventType.Retried;
  /** repr of the exception, e.g. `ValueError('boom')`. */
  readonly exception: string | null;
  /** Absent for NotRegistered. Prefer it to `exception` on Celery 5.2's solo pool (§5.4). */
  readonly traceback: string | null;
}

export interface TaskRejectedEvent extends TaskEventBase {
  readonly type: typeof TaskEventType.Rejected;
  readonly requeue: boolean;
}

export interface TaskRevokedEvent extends TaskEventBase {
  readonly type: typeof TaskEventType.Revoked;
  readonly terminated: boolean;
  readonly signum: number | null;
  readonly expired: boolean;
}

export interface TaskCancelledEvent extends TaskEventBase {
  readonly type: typeof TaskEventType.Cancelled;
}

export interface WorkerEvent extends EventBase {
  readonly known: true;
  readonly type: WorkerEventType;
  /** Heartbeat interval in seconds; a worker is alive until 2 × freq after its last heartbeat. */
  readonly freq: number | null;
  /** Absent on heartbeats answering the `heartbeat` control command (§5.4). */
  readonly active: number | null;
  readonly processed: number | null;
  readonly loadavg: readonly number[] | null;
  readonly swIdent: string | null;
  readonly swVer: string | null;
  readonly swSys: string | null;
}

/** Any event type Celery does not define; every field but the common ones is in `extra`. */
export interface CustomEvent extends EventBase {
  readonly known: false;
  readonly type: string;
  readonly uuid: string | null;
}

export type TaskEvent =
  | TaskSentEvent
  | TaskReceivedEvent
  | TaskStartedEvent
  | TaskSucceededEvent
  | TaskFailedEvent
  | TaskRejectedEvent
  | TaskRevokedEvent
  | TaskCancelledEvent;

export type KnownEvent = TaskEvent | WorkerEvent;
export type CeleryEvent = KnownEvent | CustomEvent;
