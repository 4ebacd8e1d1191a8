/**
 * The exceptions a task run can end with, named and placed as Python Celery names them, so that a Python
 * client's `AsyncResult.get()` re-raises the same class (CELERY-WIRE.md §7: `exc_module` must be importable
 * and hold `exc_type`) and Flower shows the same reprs.
 */
import { type ExceptionInfo, type JsonValue, pythonRepr } from '@/lib/celery';

/** An Error that says which Python class it stands for. */
export class CeleryError extends Error {
  constructor(
    readonly pythonType: string,
    readonly pythonModule: string,
    message: string,
    /** The Python exception's args, as stored in `exc_message`. */
    readonly pythonArgs: JsonValue[] = [message],
  ) {
    super(message);
    this.name = pythonType;
  }
}

export class NotRegistered extends CeleryError {
  constructor(taskName: string) {
    super('NotRegistered', 'celery.exceptions', taskName);
  }
}

export class SoftTimeLimitExceeded extends CeleryError {
  constructor(seconds: number) {
    super('SoftTimeLimitExceeded', 'celery.exceptions', `soft time limit (${seconds} s) exceeded`, []);
  }
}

export class TimeLimitExceeded extends CeleryError {
  constructor(readonly seconds: number) {
    super('TimeLimitExceeded', 'celery.exceptions', `hard time limit (${seconds} s) exceeded`, [seconds]);
  }
}

export class TaskRevokedError extends CeleryError {
  /** `reason` is Celery's: revoked, terminated or expired. */
  constructor(
    readonly reason: 'revoked' | 'terminated' | 'expired',
    /** For terminate: the signal asked for (SIGTERM = 15 by default). */
    readonly signum: number | null = null,
  ) {
    super('TaskRevokedError', 'celery.exceptions', reason);
  }
}

export class MaxRetriesExceededError extends CeleryError {
  constructor(taskName: string, taskId: string, retries: number) {
    super('MaxRetriesExceededError', 'celery.exceptions', `Can't retry ${taskName}[${taskId}] args:... kwargs:... (retries ${retries})`);
  }
}

/** The worker stops before the task ends: the run is abandoned and its message given back (no result, no event). */
export class WorkerShutdown extends CeleryError {
  constructor() {
    super('WorkerShutdown', 'celery.exceptions', 'worker shutdown');
  }
}

/** Thrown by `ctx.retry()`: the run ends and the task is sent again. */
export class Retry extends CeleryError {
  constructor(
    readonly countdown: number,
    /** The error that made the task retry, if given. */
    readonly exc: unknown,
  ) {
    super('Retry', 'celery.exceptions', `Retry in ${countdown}s`);
  }
}

/** Thrown by `ctx.reject()`: the message is rejected (acks-late tasks), optionally requeued. */
export class Reject extends CeleryError {
  constructor(
    reason: string,
    readonly requeue: boolean,
  ) {
    super('Reject', 'celery.exceptions', reason);
  }
}

/** Python's builtin exception classes: a JS error with one of these names is rebuilt as that class. */
const PYTHON_BUILTINS = new Set([
  'ArithmeticError', 'AssertionError', 'AttributeError', 'BufferError', 'ConnectionError', 'EOFError', 'Exception',
  'FileExistsError', 'FileNotFoundError', 'FloatingPointError', 'ImportError', 'IndexError', 'KeyError', 'LookupError',
  'MemoryError', 'NotImplementedError', 'OSError', 'OverflowError', 'PermissionError', 'RecursionError', 'RuntimeError',
  'TimeoutError', 'TypeError', 'ValueError', 'ZeroDivisionError',
]);

/** What the result backend stores for an error: its class (module + name) and its args. */
export function exceptionInfo(error: unknown): ExceptionInfo {
  if (error instanceof CeleryError) return { type: error.pythonType, module: error.pythonModule, message: error.pythonArgs };
  if (error instanceof Error) {
    const type = error.name || error.constructor.name || 'Error';
    // A class Python cannot import is rebuilt by Celery as a generated class of that name.
    return { type, module: PYTHON_BUILTINS.has(type) ? 'builtins' : null, message: [error.message] };
  }
  return { type: 'Exception', module: 'builtins', message: [String(error)] };
}

/** The exception's Python repr, as task-failed/task-retried events carry it: `ValueError('boom')`. */
export function exceptionRepr(error: unknown): string {
  const info = exceptionInfo(error);
  // The limit is a Python float, which JSON cannot tell from an int.
  if (error instanceof TimeLimitExceeded) return `TimeLimitExceeded(${pythonFloat(error.seconds)})`;
  const args = Array.isArray(info.message) ? info.message : [info.message];
  return `${info.type}(${args.map((a) => pythonRepr(a)).join(', ')})`;
}

/**
 * A Python-shaped traceback built from the JS stack, innermost call last, so that Flower and Celery's
 * tools show it the way they show Python's.
 */
export function formatTraceback(error: unknown): string {
  const info = exceptionInfo(error);
  const frames = error instanceof Error && error.stack ? error.stack.split('\n').slice(1) : [];
  const lines = ['Traceback (most recent call last):'];
  for (const frame of frames.reverse()) {
    const m = /^\s*at (?:(.+?) \()?(.+?):(\d+):\d+\)?$/.exec(frame);
    if (m) lines.push(`  File "${m[2]}", line ${m[3]}, in ${m[1] ?? '<anonymous>'}`);
  }
  const args = Array.isArray(info.message) ? info.message : [info.message];
  lines.push(`${info.type}: ${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(', ')}`);
  return `${lines.join('\n')}\n`;
}

function pythonFloat(n: number): string {
  return Number.isInteger(n) ? `${n}.0` : String(n);
}
