/**
 * What Celery's Redis backend does when the last part of a chord finds a failed part: the body is not sent;
 * it is marked FAILURE with `celery.exceptions.ChordError("Dependency <tid> raised <repr(exc)>")` (and its
 * errbacks run). Only FAILURE and REVOKED parts count (Celery's PROPAGATE_STATES); the first one in header
 * order is named. `repr(exc)` is Python's repr of the exception Celery rebuilds from the stored object,
 * e.g. `ValueError('boom')`, `ValueError()`, `KeyError('a', 1)`.
 */
import { type ExceptionInfo, isJsonObject, type JsonValue, pythonRepr } from '@/lib/celery';
import type { ChordJoin, ChordPart } from './result-backend';

/** States whose part makes the chord fail (Celery's PROPAGATE_STATES). */
export const PROPAGATE_STATES: ReadonlySet<string> = new Set(['FAILURE', 'REVOKED']);

/** The first part whose failure propagates to the body, in header order; null when the body can run. */
export function failedChordPart(join: ChordJoin): ChordPart | null {
  return join.parts.find((p) => PROPAGATE_STATES.has(p.state)) ?? null;
}

/** The exception Celery stores for the body when a header part failed; null when none did. */
export function chordError(join: ChordJoin): ExceptionInfo | null {
  const failed = failedChordPart(join);
  if (!failed) return null;
  return { type: 'ChordError', module: 'celery.exceptions', message: [`Dependency ${failed.taskId} raised ${exceptionRepr(failed.result)}`] };
}

/**
 * Python's repr of the exception Celery rebuilds from a stored `{exc_type, exc_message, exc_module}`:
 * `cls(*exc_message)` when it is a list, `cls(exc_message)` otherwise. The class name is the last part of
 * a qualified `exc_type` (`Outer.Inner` -> `Inner`).
 */
export function exceptionRepr(stored: JsonValue): string {
  if (!isJsonObject(stored) || typeof stored['exc_type'] !== 'string') return pythonRepr(stored);
  const name = stored['exc_type'].split('.').pop() as string;
  const message = stored['exc_message'] ?? '';
  const args = Array.isArray(message) ? message : [message];
  if (args.length === 1) return `${name}(${pythonRepr(args[0] as JsonValue)})`;
  return `${name}(${args.map(pythonRepr).join(', ')})`;
}
