/**
 * Celery 5.2's key-value result backend (celery/backends/base.py BaseKeyValueStoreBackend plus the Redis
 * specifics of celery/backends/redis.py), over a KvStore. Behaviours kept from Celery:
 *
 * - store: a task whose stored state is SUCCESS is never overwritten (Celery reads the key first and skips
 *   the write; this protects a result from a late duplicate delivery). Otherwise SETEX + PUBLISH, one MULTI.
 * - groups and the chord size are written like results (SETEX + PUBLISH), with the same expiry.
 * - chordPartReturn: ZADD the part, then count; the part that makes the count equal `.s + .t` reads every
 *   part (ZRANGE, by group_index) and deletes `.j .t .s`. A part with no `.s` set never completes a chord.
 *   When a part FAILED or was REVOKED, Celery raises ChordError before its DEL, so the keys are left to
 *   expire; we do the same and return the parts (see chord-error.ts for what the body gets).
 */
import { encodeTaskMeta, type GroupMeta, READY_STATES, type TaskMeta, TaskState } from '@/lib/celery';
import { PROPAGATE_STATES } from './chord-error';
import {
  chordKeys,
  chordScore,
  DEFAULT_EXPIRES_SECONDS,
  encodeChordMember,
  encodeGroup,
  groupKey,
  MAX_VALUE_LENGTH,
  readChordMember,
  readCounter,
  readGroup,
  readTaskMeta,
  ResultStoreError,
  ResultTimeoutError,
  storedStatus,
  taskKey,
} from './codec';
import type { KvStore } from './kv-store';
import type { ChordJoin, ChordPart, ResultBackend } from './result-backend';

export interface ResultBackendOptions {
  /** Celery's `result_expires` in seconds (default 86400); 0 stores without expiry (SET instead of SETEX). */
  readonly expires?: number;
  /**
   * Told about what cannot be delivered to a watcher: a published value that does not decode, a listener
   * that threw. Ignored when absent.
   */
  readonly onError?: (error: Error) => void;
}

/** A task reporting states faster than a conditional write can land is left alone after this many tries. */
const STORE_UNLESS_READY_ATTEMPTS = 10;

export class KeyValueResultBackend implements ResultBackend {
  /** Seconds; 0 = no expiry. */
  readonly expires: number;
  private readonly onError: (error: Error) => void;

  constructor(
    protected readonly kv: KvStore,
    options: ResultBackendOptions = {},
  ) {
    const expires = options.expires ?? DEFAULT_EXPIRES_SECONDS;
    if (!Number.isInteger(expires) || expires < 0) throw new RangeError(`result expires must be a whole number of seconds >= 0, got ${expires}`);
    this.expires = expires;
    this.onError = options.onError ?? (() => undefined);
  }

  get display(): string {
    return this.kv.display;
  }

  async get(taskId: string): Promise<TaskMeta | null> {
    const key = taskKey(taskId);
    const text = await this.kv.get(key);
    return text === null ? null : readTaskMeta(key, text);
  }

  async store(meta: TaskMeta): Promise<void> {
    const key = taskKey(meta.taskId);
    const text = encodeTaskMeta(meta);
    if (text.length > MAX_VALUE_LENGTH) throw new ResultStoreError(`value too large for Redis backend (${key})`);
    const current = await this.kv.get(key);
    if (current !== null && storedStatus(current) === TaskState.Success) return;
    await this.kv.setAndPublish(key, text, this.expires);
  }

  async storeUnlessReady(meta: TaskMeta): Promise<TaskMeta | null> {
    const key = taskKey(meta.taskId);
    const text = encodeTaskMeta(meta);
    if (text.length > MAX_VALUE_LENGTH) throw new ResultStoreError(`value too large for Redis backend (${key})`);
    // Each lost race means the task stored a new state in between: read it again and decide again.
    for (let attempt = 0; attempt < STORE_UNLESS_READY_ATTEMPTS; attempt++) {
      const current = await this.kv.get(key);
      if (current !== null) {
        const status = storedStatus(current);
        if (status !== null && READY_STATES.has(status)) return readTaskMeta(key, current);
      }
      if (await this.kv.setAndPublishIf(key, current, text, this.expires)) return null;
    }
    throw new ResultStoreError(`${key} changed ${STORE_UNLESS_READY_ATTEMPTS} times while being written; try again`);
  }

  unavailable(): string | null {
    return this.kv.unavailable();
  }

  async watch(taskId: string, listener: (meta: TaskMeta) => void): Promise<() => Promise<void>> {
    const key = taskKey(taskId);
    let last: string | null = null;
    const deliver = (text: string): void => {
      last = text;
      let meta: TaskMeta;
      try {
        meta = readTaskMeta(key, text);
      } catch (err) {
        this.onError(err as Error);
        return;
      }
      try {
        listener(meta);
      } catch (err) {
        this.onError(err instanceof Error ? err : new Error(String(err)));
      }
    };
    return this.kv.subscribe(key, {
      message: deliver,
      // After a reconnection, what was stored meanwhile is only in the key.
      resync: () => {
        this.kv.get(key).then(
          (text) => {
            if (text !== null && text !== last) deliver(text);
          },
          (err: unknown) => this.onError(err instanceof Error ? err : new Error(String(err))),
        );
      },
    });
  }

  waitForReady(taskId: string, timeoutMs: number): Promise<TaskMeta> {
    const key = taskKey(taskId);
    return new Promise<TaskMeta>((resolve, reject) => {
      let settled = false;
      let lastState: string | null = null;
      let unsubscribe: (() => Promise<void>) | null = null;
      const finish = (settle: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        settle();
        if (unsubscribe) void unsubscribe().catch(() => undefined);
      };
      const timer = setTimeout(() => finish(() => reject(new ResultTimeoutError(taskId, timeoutMs, lastState))), timeoutMs);
      const consider = (text: string | null): void => {
        if (text === null || settled) return;
        let meta: TaskMeta;
        try {
          meta = readTaskMeta(key, text);
        } catch (err) {
          finish(() => reject(err));
          return;
        }
        lastState = meta.status;
        if (READY_STATES.has(meta.status)) finish(() => resolve(meta));
      };
      const check = (): void => {
        this.kv.get(key).then(consider, (err: unknown) => finish(() => reject(err)));
      };
      // Subscribe first, then read the key: a state stored in between is seen one way or the other.
      this.kv.subscribe(key, { message: consider, resync: check }).then(
        (stop) => {
          unsubscribe = stop;
          if (settled) void stop().catch(() => undefined);
          else check();
        },
        (err: unknown) => finish(() => reject(err)),
      );
    });
  }

  async forget(taskId: string): Promise<void> {
    await this.kv.del(taskKey(taskId));
  }

  async saveGroup(group: GroupMeta): Promise<void> {
    await this.kv.setAndPublish(groupKey(group.groupId), encodeGroup(group), this.expires);
  }

  async getGroup(groupId: string): Promise<GroupMeta | null> {
    const key = groupKey(groupId);
    const text = await this.kv.get(key);
    return text === null ? null : readGroup(key, text);
  }

  async setChordSize(groupId: string, size: number): Promise<void> {
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`chord size must be a whole number >= 0, got ${size}`);
    await this.kv.setAndPublish(chordKeys(groupId).size, String(size), this.expires);
  }

  async chordPartReturn(part: ChordPart): Promise<ChordJoin | null> {
    const keys = chordKeys(part.groupId);
    const count = await this.kv.chordAdd(keys, chordScore(part.groupIndex), encodeChordMember(part), this.expires);
    // Celery: nothing happens until the client has set the size (an empty value counts as unset).
    if (count.size === null || count.size === '') return null;
    const size = readCounter(keys.size, count.size) as number;
    const added = readCounter(keys.added, count.added) ?? 0;
    if (count.ready !== size + added) return null;
    const members = await this.kv.chordMembers(keys.parts);
    const parts = members.map((m) => readChordMember(part.groupId, keys.parts, m.member, m.score));
    if (!parts.some((p) => PROPAGATE_STATES.has(p.state))) await this.kv.del(keys.parts, keys.added, keys.size);
    return { parts };
  }

  async close(): Promise<void> {
    await this.kv.close();
  }
}
