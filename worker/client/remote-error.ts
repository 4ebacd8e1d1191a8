/**
 * A task that ended FAILURE or REVOKED, as `AsyncResult.get()` reports it: the exception the worker stored
 * (`{"exc_type", "exc_message", "exc_module"}`, CELERY-WIRE.md §7) rebuilt as a JS error, the way Python's
 * `get()` re-raises it.
 */
import { type JsonValue, saferepr, type TaskMeta } from '@/lib/celery';

/** Deep enough for any exception argument people actually pass; Python's str() has no limit. */
const STR_LEVELS = 100;

export class RemoteTaskError extends Error {
  /** The exception class name, e.g. `ValueError`, `TaskRevokedError`. */
  readonly type: string;
  /** Where the class lives, e.g. `builtins`, `celery.exceptions`; null when not stored. */
  readonly module: string | null;
  /** The exception's args as stored (usually a list of one message). */
  readonly args: JsonValue;
  /** Python's traceback text, when the worker stored one. */
  readonly traceback: string | null;
  readonly taskId: string;
  /** FAILURE or REVOKED. */
  readonly state: string;

  constructor(meta: TaskMeta) {
    const exc = meta.exception;
    const type = exc?.type ?? (meta.status === 'REVOKED' ? 'TaskRevokedError' : 'Exception');
    const args = exc ? exc.message : meta.result;
    super(pythonExceptionStr(args));
    this.name = 'RemoteTaskError';
    this.type = type;
    this.module = exc?.module ?? null;
    this.args = args;
    this.traceback = meta.traceback;
    this.taskId = meta.taskId;
    this.state = meta.status;
    const remote = `${type}: ${this.message}`;
    this.stack = `RemoteTaskError: task ${meta.taskId} ended ${meta.status}: ${remote}\n${meta.traceback ? `${meta.traceback.trimEnd()}\n` : ''}${(this.stack ?? '').split('\n').slice(1).join('\n')}`;
  }

  /** `ValueError('boom')`-like, for logs. */
  override toString(): string {
    return `RemoteTaskError: ${this.type}: ${this.message}`;
  }
}

/**
 * `str(exc)` in Python for an exception built from `args`: '' for no args, `str(arg)` for one, the
 * tuple's repr for several. A bare (non-list) value is read as a single argument.
 */
export function pythonExceptionStr(args: JsonValue): string {
  if (!Array.isArray(args)) return pythonStr(args);
  if (args.length === 0) return '';
  if (args.length === 1) return pythonStr(args[0] as JsonValue);
  return saferepr(args, { tuple: true, maxlevels: STR_LEVELS });
}

/** Python's `str()` of a JSON value: strings as they are, everything else as its repr. */
export function pythonStr(value: JsonValue): string {
  return typeof value === 'string' ? value : saferepr(value, { maxlevels: STR_LEVELS });
}
