/**
 * The few Redis operations Celery's result backend is made of, each as Celery groups them into one
 * transaction. Implemented over ioredis (redis-backend.ts) and in process (memory-backend.ts); the
 * result-backend logic on top (kv-backend.ts) is shared, so the memory backend behaves as Redis does.
 */
import type { ChordKeys } from './codec';

/** What a subscription is told. */
export interface ChannelWatcher {
  /** A message published on the channel. */
  message(text: string): void;
  /** The subscription was re-established after a lost connection: messages may have been missed. */
  resync(): void;
}

/** What `chordAdd` reads back in the same transaction as the ZADD. */
export interface ChordCount {
  /** ZCOUNT of `.j` after the ZADD. */
  readonly ready: number;
  /** GET `.t` (raw). */
  readonly added: string | null;
  /** GET `.s` (raw). */
  readonly size: string | null;
}

export interface ChordMember {
  readonly member: string;
  readonly score: number;
}

export interface KvStore {
  /** For messages and logs, password masked. */
  readonly display: string;
  get(key: string): Promise<string | null>;
  /** MULTI; SETEX key expires value (SET when expires is 0); PUBLISH key value; EXEC. */
  setAndPublish(key: string, value: string, expiresSeconds: number): Promise<void>;
  /**
   * `setAndPublish`, only if the key still holds `expected` (null: the key is absent), decided atomically
   * (Redis: one Lua script); returns whether it stored.
   */
  setAndPublishIf(key: string, expected: string | null, value: string, expiresSeconds: number): Promise<boolean>;
  /** Why the store cannot be reached now (its connection is down: the last error), or null when it may be. */
  unavailable(): string | null;
  /** DEL of each key, in one MULTI. */
  del(...keys: string[]): Promise<void>;
  /**
   * MULTI; ZADD .j score member; ZCOUNT .j -inf +inf; GET .t; GET .s; [EXPIRE .j/.t/.s expires]; EXEC.
   * `score` is Redis' text for it (`0`, `+inf`).
   */
  chordAdd(keys: ChordKeys, score: string, member: string, expiresSeconds: number): Promise<ChordCount>;
  /** ZRANGE .j 0 -1 WITHSCORES: every part, by score then member bytes. */
  chordMembers(partsKey: string): Promise<ChordMember[]>;
  /**
   * SUBSCRIBE to the exact channel; resolves once the subscription is in place, with a function that ends it.
   * Many watchers may share a channel.
   */
  subscribe(channel: string, watcher: ChannelWatcher): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
