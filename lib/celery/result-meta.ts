/**
 * Task results as the Redis result backend stores and publishes them under `celery-task-meta-<id>`.
 * CELERY-WIRE.md §7; proven by captures/{redis,amqp}/backend.jsonl (amqp/ has result_extended on).
 *
 *   {"status": "SUCCESS", "result": 5, "traceback": null, "children": [], "date_done": "...",
 *    ["group_id"], ["parent_id"], [name, args, kwargs, worker, retries, queue], "task_id": "..."}
 *
 * PENDING is never stored: a missing key means PENDING.
 */
import { decoding, DecodeErrorCode, type Decoded, failure, unwrap } from './decode-result';
import { asObject, optArray, optInt, optObject, optStr, str, unknownFields } from './fields';
import { assignFields, isJsonObject, type JsonObject, type JsonValue, parseJson, pythonJsonDumps } from './json';
import { pythonRepr } from './python-repr-format';

export const TaskState = {
  Pending: 'PENDING',
  Received: 'RECEIVED',
  Started: 'STARTED',
  Success: 'SUCCESS',
  Failure: 'FAILURE',
  Retry: 'RETRY',
  Revoked: 'REVOKED',
  Rejected: 'REJECTED',
} as const;
export type TaskState = (typeof TaskState)[keyof typeof TaskState];

/** States after which a task does not change (Celery's READY_STATES). */
export const READY_STATES: ReadonlySet<string> = new Set([TaskState.Success, TaskState.Failure, TaskState.Revoked]);

/** An exception as the backend serialises it: {"exc_type", "exc_message", "exc_module"}. */
export interface ExceptionInfo {
  readonly type: string;
  /** The exception's args (usually a list of one message). */
  readonly message: JsonValue;
  /** Module that defines the class, e.g. `builtins`; Python rebuilds the exception from it. */
  readonly module: string | null;
}

export interface TaskMeta {
  readonly taskId: string;
  /** A TaskState, or a custom state such as PROGRESS. */
  readonly status: string;
  /** The return value (SUCCESS), the exception object (FAILURE, RETRY, REVOKED), or custom meta. */
  readonly result: JsonValue;
  readonly exception: ExceptionInfo | null;
  readonly traceback: string | null;
  readonly children: JsonValue[];
  /** Naive ISO-8601 in UTC, for ready states. */
  readonly dateDone: string | null;
  readonly groupId: string | null;
  readonly parentId: string | null;
  /** Whether the fields of `result_extended = True` were stored (they may be null, e.g. NotRegistered). */
  readonly extended: boolean;
  /** The result_extended fields, null when not stored. */
  readonly name: string | null;
  readonly args: JsonValue[] | null;
  readonly kwargs: JsonObject | null;
  readonly worker: string | null;
  readonly retries: number | null;
  readonly queue: string | null;
  readonly extra: JsonObject | null;
}

const KNOWN = new Set([
  'status', 'result', 'traceback', 'children', 'date_done', 'group_id', 'parent_id', 'name', 'args', 'kwargs',
  'worker', 'retries', 'queue', 'task_id',
]);

/** A meta with every optional field empty (not extended, no date), then `fields` on top. */
export function newTaskMeta(taskId: string, status: string, fields: Partial<Omit<TaskMeta, 'taskId' | 'status'>> = {}): TaskMeta {
  return {
    taskId, status, result: null, exception: null, traceback: null, children: [], dateDone: null, groupId: null, parentId: null,
    extended: false, name: null, args: null, kwargs: null, worker: null, retries: null, queue: null, extra: null,
    ...fields,
  };
}

export function decodeTaskMeta(text: string): Decoded<TaskMeta> {
  return decoding(() => {
    const meta = asObject(unwrap(parseJson(text)), '$');
    const result = meta['result'] ?? null;
    return {
      taskId: str(meta, 'task_id', '$'),
      status: str(meta, 'status', '$'),
      result,
      exception: readException(result),
      traceback: optStr(meta, 'traceback', '$'),
      children: optArray(meta, 'children', '$') ?? [],
      dateDone: optStr(meta, 'date_done', '$'),
      groupId: optStr(meta, 'group_id', '$'),
      parentId: optStr(meta, 'parent_id', '$'),
      extended: 'name' in meta,
      name: optStr(meta, 'name', '$'),
      args: optArray(meta, 'args', '$'),
      kwargs: optObject(meta, 'kwargs', '$'),
      worker: optStr(meta, 'worker', '$'),
      retries: optInt(meta, 'retries', '$'),
      queue: optStr(meta, 'queue', '$'),
      extra: unknownFields(meta, KNOWN),
    };
  });
}

function readException(result: JsonValue): ExceptionInfo | null {
  if (!isJsonObject(result) || typeof result['exc_type'] !== 'string') return null;
  const module = result['exc_module'];
  return { type: result['exc_type'], message: result['exc_message'] ?? null, module: typeof module === 'string' ? module : null };
}

/** What a task-failed event would carry for this exception: Python's `repr(exc)`, e.g. `ValueError('boom')`. */
export function exceptionRepr(exc: ExceptionInfo): string {
  const args = Array.isArray(exc.message) ? exc.message : exc.message === null ? [] : [exc.message];
  return `${exc.type}(${args.map(pythonRepr).join(', ')})`;
}

/** `date_done` (naive ISO 8601 in UTC, as Celery stores it) in Unix seconds; null when absent or unreadable. */
export function dateDoneSeconds(dateDone: string | null): number | null {
  if (dateDone === null) return null;
  const zoned = /(Z|[+-]\d\d:?\d\d)$/.test(dateDone) ? dateDone : `${dateDone}Z`;
  const ms = Date.parse(zoned);
  return Number.isFinite(ms) ? ms / 1000 : null;
}

export function exceptionToJson(exc: ExceptionInfo): JsonObject {
  return { exc_type: exc.type, exc_message: exc.message, exc_module: exc.module };
}

/** The stored JSON text, keys in the order Celery's backend writes them. */
export function encodeTaskMeta(meta: TaskMeta): string {
  const out: JsonObject = {
    status: meta.status,
    result: meta.exception ? exceptionToJson(meta.exception) : meta.result,
    traceback: meta.traceback,
    children: meta.children,
    date_done: meta.dateDone,
  };
  if (meta.groupId !== null) out['group_id'] = meta.groupId;
  if (meta.parentId !== null) out['parent_id'] = meta.parentId;
  if (meta.extended) {
    assignFields(out, { name: meta.name, args: meta.args, kwargs: meta.kwargs, worker: meta.worker, retries: meta.retries, queue: meta.queue });
  }
  if (meta.extra) assignFields(out, meta.extra);
  out['task_id'] = meta.taskId;
  return pythonJsonDumps(out);
}

/** `celery-taskset-meta-<group id>`: {"result": [[gid, null], [[[tid, null], null], ...]]}. */
export interface GroupMeta {
  readonly groupId: string;
  readonly taskIds: string[];
}

export function decodeGroupMeta(text: string): Decoded<GroupMeta> {
  return decoding(() => {
    const meta = asObject(unwrap(parseJson(text)), '$');
    const result = meta['result'];
    const tuple = Array.isArray(result) ? result : [];
    const head = Array.isArray(tuple[0]) ? tuple[0] : [];
    const members = Array.isArray(tuple[1]) ? tuple[1] : [];
    const groupId = typeof head[0] === 'string' ? head[0] : str(meta, 'group_id', '$');
    const taskIds = members.map((m, i) => {
      const id = Array.isArray(m) && Array.isArray(m[0]) ? m[0][0] : undefined;
      if (typeof id !== 'string') throw failure(DecodeErrorCode.Invalid, 'expected a task id', `$.result[1][${i}][0][0]`);
      return id;
    });
    return { groupId, taskIds };
  });
}
