/**
 * Where a retry takes the call (name, args, kwargs) from, in order of trust:
 *
 *   1. the result backend's meta, when the workers store it with `result_extended` (CELERY-WIRE.md §7):
 *      the args and kwargs the worker was given, as JSON, exactly;
 *   2. the reprs of the task's events (task-sent/task-received `args`/`kwargs`, Celery's saferepr), when
 *      python-repr.ts reads them back as JSON literals that mean the same thing whatever the versions of
 *      the sender and the worker.
 *
 * Anything else is refused with the reason, never guessed: a repr cut at 1024 characters, an object that
 * is not a literal, a value JSON cannot carry exactly, datetime/Decimal/UUID values (kombu 5.2 sends them
 * as strings, kombu >= 5.3 as tagged objects the worker turns back into the type: which one the worker got
 * cannot be told from the repr).
 */
import { ARGSREPR_MAXSIZE, type JsonObject, type JsonValue, isJsonObject, parsePythonRepr, type ReprError, ReprErrorCode, type TaskMeta } from '@/lib/celery';
import { MASK } from '@/lib/redact/redactor';

/** What the result backend said about the task. */
export type BackendView =
  | { readonly kind: 'none' }
  | { readonly kind: 'missing' }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'meta'; readonly meta: TaskMeta };

/** The parts of the model's record a retry reads. */
export interface EventCall {
  readonly name: string | null;
  /** saferepr text from the events, null when no event carried it. */
  readonly args: string | null;
  readonly kwargs: string | null;
}

export type CallSource = 'result-backend' | 'event-reprs';

export type CallPlan =
  | { readonly ok: true; readonly name: string; readonly args: JsonValue[]; readonly kwargs: JsonObject; readonly source: CallSource }
  | { readonly ok: false; readonly reason: string };

export function planCall(events: EventCall | null, backend: BackendView): CallPlan {
  if (backend.kind === 'meta' && backend.meta.extended && backend.meta.args !== null && backend.meta.kwargs !== null) {
    const name = backend.meta.name ?? events?.name ?? null;
    if (name === null) return { ok: false, reason: 'its task name is not known (the result_extended meta has none and no event named it)' };
    return { ok: true, name, args: backend.meta.args, kwargs: backend.meta.kwargs, source: 'result-backend' };
  }
  const whyNotBackend = backendReason(backend);
  const name = events?.name ?? (backend.kind === 'meta' ? backend.meta.name : null);
  if (name === null) return { ok: false, reason: `its task name is not known: no task-sent or task-received event named it, and ${whyNotBackend}` };
  if (events === null || events.args === null || events.kwargs === null) {
    const missing = events === null ? 'Pollen no longer holds its events' : 'no task-sent or task-received event carried its args and kwargs';
    return { ok: false, reason: `its arguments are not known: ${missing}, and ${whyNotBackend}` };
  }
  const args = readRepr(events.args, 'args');
  const kwargs = readRepr(events.kwargs, 'kwargs');
  const unfaithful = (why: string): CallPlan => ({ ok: false, reason: `its arguments are not known faithfully: ${why}; and ${whyNotBackend}` });
  // Masked at ingest (--redact): the reprs no longer hold what the task was called with.
  if (events.args.includes(MASK) || events.kwargs.includes(MASK)) return unfaithful("they were redacted at ingest (--redact), and only the result backend's result_extended meta holds them whole");
  if (!args.ok) return unfaithful(args.reason);
  if (!kwargs.ok) return unfaithful(kwargs.reason);
  if (!Array.isArray(args.value)) return unfaithful(`its args repr ${clip(events.args)} is not a tuple or list`);
  if (!isJsonObject(kwargs.value)) return unfaithful(`its kwargs repr ${clip(events.kwargs)} is not a dict`);
  return { ok: true, name, args: args.value, kwargs: kwargs.value, source: 'event-reprs' };
}

function backendReason(backend: BackendView): string {
  switch (backend.kind) {
    case 'none':
      return 'no result backend is configured (--result-backend) to read them from';
    case 'missing':
      return 'the result backend holds no meta for it (expired, forgotten, or results ignored)';
    case 'error':
      return `the result backend could not be read (${backend.message})`;
    case 'meta':
      return backend.meta.extended
        ? 'its result_extended meta has no args or kwargs'
        : "the result backend's meta has no args (the workers run without result_extended = True)";
    default: {
      const unreachable: never = backend;
      return unreachable;
    }
  }
}

type Reading = { readonly ok: true; readonly value: JsonValue } | { readonly ok: false; readonly reason: string };

/**
 * A repr read as JSON, only when the reading does not depend on kombu's version: read once with the
 * plain strings kombu 5.2 sends for datetime/Decimal/UUID and once with kombu 5.3's tagged objects; values
 * that differ between the two held such a type.
 */
export function readRepr(text: string, what: 'args' | 'kwargs'): Reading {
  const plain = parsePythonRepr(text);
  if (!plain.ok) return { ok: false, reason: `its ${what} repr ${reprProblem(plain.error)}` };
  const tagged = parsePythonRepr(text, { types: 'kombu-tagged' });
  if (!tagged.ok || JSON.stringify(tagged.value) !== JSON.stringify(plain.value)) {
    return {
      ok: false,
      reason: `its ${what} repr holds datetime, date, time, Decimal or UUID values, which reach the worker as strings or as those types depending on the kombu versions of sender and worker`,
    };
  }
  return { ok: true, value: plain.value };
}

function reprProblem(error: ReprError): string {
  const at = `(at offset ${error.offset}: ${error.message})`;
  switch (error.code) {
    case ReprErrorCode.Truncated:
      return `was cut by Celery's saferepr, which keeps ${ARGSREPR_MAXSIZE} characters and ${SAFEREPR_MAXLEVELS} levels of nesting ${at}`;
    case ReprErrorCode.NotLiteral:
      return `holds an object that is not a Python literal ${at}`;
    case ReprErrorCode.Unrepresentable:
      return `holds a value JSON cannot carry exactly ${at}`;
    case ReprErrorCode.Ambiguous:
      return `holds bytes that may be text or binary ${at}`;
    case ReprErrorCode.Syntax:
    case ReprErrorCode.TooDeep:
      return `cannot be read as a Python literal ${at}`;
    default: {
      const unreachable: never = error.code;
      return unreachable;
    }
  }
}

/** saferepr's default maxlevels: deeper containers are written `[...]`. */
const SAFEREPR_MAXLEVELS = 3;

function clip(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text);
}
