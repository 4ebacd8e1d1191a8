/**
 * Keys and stored values of Celery's Redis result backend (CELERY-WIRE.md §7), shared by every
 * ResultBackend implementation. Everything read back goes through a lib/celery decoder; a value that does
 * not decode becomes a MalformedResultError naming the key, never a crash.
 *
 *   celery-task-meta-<task id>          the task's meta JSON (lib/celery encodeTaskMeta)
 *   celery-taskset-meta-<group id>      {"result": [["<gid>", null], [[["<tid>", null], null], ...]]}
 *   celery-taskset-meta-<group id>.j    chord: sorted set, score group_index, member [1, "<tid>", "<state>", <result>]
 *   celery-taskset-meta-<group id>.t    chord: parts added late (Task.add_to_chord, INCR)
 *   celery-taskset-meta-<group id>.s    chord: header size, set by the client
 */
import {
  type DecodeError,
  DecodeErrorCode,
  decodeGroupMeta,
  decodeTaskMeta,
  type GroupMeta,
  type JsonValue,
  names,
  parseJson,
  pythonJsonDumps,
  type TaskMeta,
} from '@/lib/celery';
import type { ChordPart } from './result-backend';

export const TASK_KEY_PREFIX = 'celery-task-meta-';
export const GROUP_KEY_PREFIX = 'celery-taskset-meta-';

/** Celery's default `result_expires`: one day, in seconds. */
export const DEFAULT_EXPIRES_SECONDS = 86_400;

/** Redis' largest string value; Celery refuses to store more (BackendStoreError). */
export const MAX_VALUE_LENGTH = 536_870_912;

export function taskKey(taskId: string): string {
  return names.taskMetaKey(taskId);
}

export function groupKey(groupId: string): string {
  return `${GROUP_KEY_PREFIX}${groupId}`;
}

export interface ChordKeys {
  /** `.j`: the finished parts. */
  readonly parts: string;
  /** `.t`: how many parts were added after the size was set. */
  readonly added: string;
  /** `.s`: the header size. */
  readonly size: string;
}

export function chordKeys(groupId: string): ChordKeys {
  const base = groupKey(groupId);
  return { parts: `${base}.j`, added: `${base}.t`, size: `${base}.s` };
}

/** A stored (or published) value that is not what Celery writes. */
export class MalformedResultError extends Error {
  constructor(
    readonly key: string,
    readonly error: DecodeError,
  ) {
    super(`malformed value under ${key} (${error.path}: ${error.message})`);
    this.name = 'MalformedResultError';
  }
}

/** Celery's BackendStoreError: the value cannot be stored. */
export class ResultStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResultStoreError';
  }
}

/** waitForReady gave up. */
export class ResultTimeoutError extends Error {
  constructor(
    readonly taskId: string,
    readonly timeoutMs: number,
    /** The last state seen (null: nothing stored, i.e. PENDING). */
    readonly lastState: string | null,
  ) {
    super(`task ${taskId} did not reach a ready state within ${timeoutMs} ms (last state: ${lastState ?? 'PENDING'})`);
    this.name = 'ResultTimeoutError';
  }
}

export function readTaskMeta(key: string, text: string): TaskMeta {
  const decoded = decodeTaskMeta(text);
  if (!decoded.ok) throw new MalformedResultError(key, decoded.error);
  return decoded.value;
}

/** The stored state, or null when the value does not decode. */
export function storedStatus(text: string): string | null {
  const decoded = decodeTaskMeta(text);
  return decoded.ok ? decoded.value.status : null;
}

/** `GroupResult.save()`: the group as a result tuple, each member `[[tid, null], null]`. */
export function encodeGroup(group: GroupMeta): string {
  const members: JsonValue[] = group.taskIds.map((id) => [[id, null], null]);
  return pythonJsonDumps({ result: [[group.groupId, null], members] });
}

export function readGroup(key: string, text: string): GroupMeta {
  const decoded = decodeGroupMeta(text);
  if (!decoded.ok) throw new MalformedResultError(key, decoded.error);
  return decoded.value;
}

/** A `.j` member, byte for byte what Celery's `on_chord_part_return` ZADDs: `[1, "<tid>", "<state>", <result>]`. */
export function encodeChordMember(part: ChordPart): string {
  return pythonJsonDumps([1, part.taskId, part.state, part.result]);
}

/** A chord part's score: its group_index; Celery uses +inf for a part without one. */
export function chordScore(groupIndex: number): string {
  return Number.isFinite(groupIndex) ? String(groupIndex) : groupIndex < 0 ? '-inf' : '+inf';
}

/** A score as Redis returns it (`0`, `1`, `inf`). */
export function parseScore(text: string): number {
  if (/^\+?inf$/i.test(text)) return Infinity;
  if (/^-inf$/i.test(text)) return -Infinity;
  return Number(text);
}

export function readChordMember(groupId: string, key: string, member: string, score: number): ChordPart {
  const parsed = parseJson(member);
  if (!parsed.ok) throw new MalformedResultError(key, parsed.error);
  const value = parsed.value;
  if (!Array.isArray(value) || value.length !== 4 || typeof value[1] !== 'string' || typeof value[2] !== 'string') {
    throw new MalformedResultError(key, {
      code: DecodeErrorCode.Invalid,
      message: `expected a chord part [1, task id, state, result], got ${member.slice(0, 200)}`,
      path: '$',
    });
  }
  return { groupId, groupIndex: score, taskId: value[1], state: value[2], result: value[3] as JsonValue };
}

/** A chord counter (`.s`, `.t`) as stored: a decimal integer. */
export function readCounter(key: string, text: string | null): number | null {
  if (text === null) return null;
  if (!/^-?\d+$/.test(text.trim())) {
    throw new MalformedResultError(key, { code: DecodeErrorCode.Invalid, message: `expected an integer, got '${text.slice(0, 50)}'`, path: '$' });
  }
  return Number(text.trim());
}
