/**
 * Where task results live: the interface shared by the worker (writes), the client (waits) and the
 * server (reads, retries). Implemented for Celery's Redis result backend and in memory (demo, tests),
 * both by kv-backend.ts. CELERY-WIRE.md §7.
 *
 * Errors: a stored or published value that is not what Celery writes is a MalformedResultError naming the
 * key; waitForReady gives up with a ResultTimeoutError; Redis errors are passed on as they come.
 */
import type { GroupMeta, JsonValue, TaskMeta } from '@/lib/celery';

/** One finished member of a chord header, as the Redis backend keeps it in `<gid>.j`. */
export interface ChordPart {
  readonly groupId: string;
  /**
   * Position in the header (the task's `group_index`), the part's score in `.j`; results come back in this
   * order. Celery scores a part without a group_index `+inf`: pass Infinity for it.
   */
  readonly groupIndex: number;
  readonly taskId: string;
  readonly state: string;
  /**
   * The part's return value, or on FAILURE/REVOKED the exception object as stored
   * (`{exc_type, exc_message, exc_module}`).
   */
  readonly result: JsonValue;
}

/**
 * What the last part of a chord finds: every part, in header order. If one FAILED or was REVOKED, Celery
 * does not run the body but stores FAILURE for it with a ChordError: see chordError() in chord-error.ts.
 */
export interface ChordJoin {
  readonly parts: readonly ChordPart[];
}

export interface ResultBackend {
  /** For messages and logs, password masked. */
  readonly display: string;
  /** The stored meta, or null when nothing is stored (Celery's PENDING). */
  get(taskId: string): Promise<TaskMeta | null>;
  /**
   * Stores and announces a state as Celery does (Redis: SETEX + PUBLISH in one transaction). As Celery, a
   * task whose stored state is SUCCESS is left as it is (the write is skipped without error).
   */
  store(meta: TaskMeta): Promise<void>;
  /**
   * Stores and announces `meta` only while the task is not ready: when the stored state is SUCCESS,
   * FAILURE or REVOKED, nothing is written and that stored meta is returned; otherwise null once stored.
   * Atomic against a state stored meanwhile (a task finishing as we write), so a result is never replaced.
   */
  storeUnlessReady(meta: TaskMeta): Promise<TaskMeta | null>;
  /**
   * Why the backend cannot be reached right now (its connection is down: the last error), or null when it
   * can or may be. Commands wait for a lost connection to come back (a worker's results must not be lost),
   * so a caller with a deadline asks this first and answers at once.
   */
  unavailable(): string | null;
  /**
   * Calls `listener` on every state stored for the task from now on (resolves once subscribed); returns a
   * function that stops it. After a lost connection the key is read again, so the latest state is not missed.
   */
  watch(taskId: string, listener: (meta: TaskMeta) => void): Promise<() => Promise<void>>;
  /**
   * Resolves with the first ready meta (SUCCESS, FAILURE, REVOKED), already stored or stored later
   * (subscribes first, then reads: no race); rejects with a ResultTimeoutError after `timeoutMs`.
   */
  waitForReady(taskId: string, timeoutMs: number): Promise<TaskMeta>;
  forget(taskId: string): Promise<void>;
  /** `GroupResult.save()`: `celery-taskset-meta-<gid>`. */
  saveGroup(group: GroupMeta): Promise<void>;
  getGroup(groupId: string): Promise<GroupMeta | null>;
  /**
   * The client side of a chord: how many header parts to wait for (`<gid>.s`, SETEX + PUBLISH). Must be set
   * before the last header task is sent (Celery sets it just before that one); a part that finishes while
   * no size is set is recorded but cannot complete the chord.
   */
  setChordSize(groupId: string, size: number): Promise<void>;
  /**
   * A header part finished (call it after storing the part's own result): records it and, when it completes
   * the chord (`.j` count = `.s` + `.t`, decided atomically), returns every part, clearing the chord's keys
   * unless a part failed (Celery leaves those to expire), so that exactly one worker, Python or ours, goes
   * on with the body. Otherwise null.
   */
  chordPartReturn(part: ChordPart): Promise<ChordJoin | null>;
  close(): Promise<void>;
}
