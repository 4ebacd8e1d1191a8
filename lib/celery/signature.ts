/**
 * Canvas signatures as they travel inside a task message's embed (callbacks, errbacks, chain, chord) and
 * inside group/chord signatures. CELERY-WIRE.md §2.1; captures/redis/task-messages.jsonl (chain, chord).
 */
import { decoding, type Decoded } from './decode-result';
import { asArray, asObject, optBool, optObject, optStr, str, unknownFields } from './fields';
import type { JsonObject, JsonValue } from './json';

export interface Signature {
  /** Task name, or `celery.group` / `celery.chain` / `celery.chord` for nested canvas. */
  readonly task: string;
  readonly args: JsonValue[];
  readonly kwargs: JsonObject;
  /** apply_async options: `task_id`, `reply_to`, `queue`, `group_id`, `link`, ... kept as sent. */
  readonly options: JsonObject;
  readonly subtaskType: string | null;
  readonly immutable: boolean;
  /** Fields newer Celery adds (`chord_size`, ...), kept. */
  readonly extra: JsonObject | null;
}

const KNOWN = new Set(['task', 'args', 'kwargs', 'options', 'subtask_type', 'immutable']);

/** Throws a DecodeFailure; call inside `decoding()`. */
export function readSignature(value: unknown, path: string): Signature {
  const obj = asObject(value, path);
  const args = obj['args'];
  return {
    task: str(obj, 'task', path),
    // Python accepts a tuple for args, which JSON turns into a list; absent args mean ().
    args: args === undefined || args === null ? [] : asArray(args, `${path}.args`),
    kwargs: optObject(obj, 'kwargs', path) ?? {},
    options: optObject(obj, 'options', path) ?? {},
    subtaskType: optStr(obj, 'subtask_type', path),
    immutable: optBool(obj, 'immutable', path) ?? false,
    extra: unknownFields(obj, KNOWN),
  };
}

export function readSignatureList(value: unknown, path: string): Signature[] | null {
  if (value === undefined || value === null) return null;
  return asArray(value, path).map((item, i) => readSignature(item, `${path}[${i}]`));
}

export function signatureToJson(sig: Signature): JsonObject {
  return {
    task: sig.task,
    args: sig.args,
    kwargs: sig.kwargs,
    options: sig.options,
    subtask_type: sig.subtaskType,
    immutable: sig.immutable,
    ...sig.extra,
  };
}

/** The id Celery pre-assigns to a signature's task (`options.task_id`), if any. */
export function signatureTaskId(sig: Signature): string | null {
  const id = sig.options['task_id'];
  return typeof id === 'string' ? id : null;
}

/** A signature from JSON that was not checked yet (a chain's steps, a link in options). */
export function decodeSignature(value: unknown): Decoded<Signature> {
  return decoding(() => readSignature(value, '$'));
}
