/**
 * Where task results live: the interface shared by the worker (writes), the client (waits) and the
 * server (reads, retries). Implemented for Celery's Redis result backend and in memory (demo, tests).
 * CELERY-WIRE.md §7.
 */
import type { GroupMeta, JsonValue, TaskMeta } from '@/lib/celery';

/** One finished member of a chord header, as the Redis backend keeps it in `<gid>.j`. */
export interface ChordPart {
  readonly groupId: string;
  /** Position in the header (the task's `group_index`); results come back in this order. */
  readonly groupIndex: number;
  readonly taskId: string;
  readonly state: string;
  /** The part's return value (or its exception object on failure). */
  readonly result: JsonValue;
}

/** What the last part of a chord finds: every part, in header order. */
export interface ChordJoin {
  readonly parts: readonly ChordPart[];
}

export interface ResultBackend {
  /** For messages and logs, password masked. */
  readonly display: string;
  /** The stored meta, or null when nothing is stored (Celery's PENDING). */
  get(taskId: string): Promise<TaskMeta | null>;
  /** Stores and announces a state as Celery does (Redis: SETEX + PUBLISH in one transaction). */
  store(meta: TaskMeta): Promise<void>;
  /** Calls `listener` on every state stored for the task from now on; returns a function that stops it. */
  watch(taskId: string, listener: (meta: TaskMeta) => void): Promise<() => Promise<void>>;
  /** Resolves with the first ready meta (SUCCESS, FAILURE, REVOKED); rejects after `timeoutMs`. */
  waitForReady(taskId: string, timeoutMs: number): Promise<TaskMeta>;
  forget(taskId: string): Promise<void>;
  /** `GroupResult.save()`: `celery-taskset-meta-<gid>`. */
  saveGroup(group: GroupMeta): Promise<void>;
  getGroup(groupId: string): Promise<GroupMeta | null>;
  /** The client side of a chord: how many header parts to wait for (`<gid>.s`). */
  setChordSize(groupId: string, size: number): Promise<void>;
  /**
   * A header part finished: records it and, when it completes the chord, returns every part (and clears
   * the chord's keys) so that exactly one worker sends the body. Otherwise null.
   */
  chordPartReturn(part: ChordPart): Promise<ChordJoin | null>;
  close(): Promise<void>;
}
