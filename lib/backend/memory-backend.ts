/**
 * The result backend in process, for the demo and unit tests: the same logic as the Redis backend
 * (kv-backend.ts) over an in-memory stand-in for the few Redis commands it uses, with expiry and pub/sub.
 * Every `memory://` URL shares one process-wide store, so a worker and a dashboard in the same process
 * see the same results. Published messages are delivered asynchronously, as Redis would.
 *
 * Expired keys go when read, and also without being read, as Redis expires them actively: a write scans
 * both maps for expired keys at most once per SWEEP_INTERVAL_MS of the store's clock. The demo writes
 * results it never reads again; without the sweep they would stay forever.
 */
import type { ChordKeys } from './codec';
import { KeyValueResultBackend, type ResultBackendOptions } from './kv-backend';
import type { ChannelWatcher, ChordCount, ChordMember, KvStore } from './kv-store';

/**
 * A scan costs ~1.5 ms per 100 000 keys held (35 ms per million, measured): once a second is cheap at the
 * demo's few thousand keys, so no expiry index is kept.
 */
export const SWEEP_INTERVAL_MS = 1000;

interface Entry<T> {
  value: T;
  /** Epoch ms; null = no expiry. */
  expiresAt: number | null;
}

export class MemoryStore implements KvStore {
  readonly display = 'memory://';
  private readonly strings = new Map<string, Entry<string>>();
  private readonly sortedSets = new Map<string, Entry<Map<string, number>>>();
  private readonly channels = new Map<string, Set<ChannelWatcher>>();
  private nextSweepAt = -Infinity;

  constructor(private readonly now: () => number = Date.now) {}

  /** Keys held (strings and sorted sets), including expired ones the next sweep will drop. */
  get size(): number {
    return this.strings.size + this.sortedSets.size;
  }

  /** Channels with a watcher: each is a waiting client, so a steady rise is a leak (bench/demo-memory.ts). */
  get watchedChannels(): number {
    return this.channels.size;
  }

  async get(key: string): Promise<string | null> {
    return this.live(this.strings, key)?.value ?? null;
  }

  async setAndPublish(key: string, value: string, expiresSeconds: number): Promise<void> {
    this.set(key, value, expiresSeconds);
    this.publish(key, value);
  }

  async setAndPublishIf(key: string, expected: string | null, value: string, expiresSeconds: number): Promise<boolean> {
    // One synchronous block: as atomic as Redis' script.
    if ((this.live(this.strings, key)?.value ?? null) !== expected) return false;
    this.set(key, value, expiresSeconds);
    this.publish(key, value);
    return true;
  }

  unavailable(): string | null {
    return null;
  }

  /** SET without PUBLISH: a write whose announcement was missed (tests), or a raw value. */
  set(key: string, value: string, expiresSeconds = 0): void {
    this.sweepIfDue();
    this.sortedSets.delete(key);
    this.strings.set(key, { value, expiresAt: expiresSeconds > 0 ? this.now() + expiresSeconds * 1000 : null });
  }

  async del(...keys: string[]): Promise<void> {
    for (const key of keys) {
      this.strings.delete(key);
      this.sortedSets.delete(key);
    }
  }

  async chordAdd(keys: ChordKeys, score: string, member: string, expiresSeconds: number): Promise<ChordCount> {
    // One synchronous block: as atomic as Redis' MULTI.
    this.sweepIfDue();
    const set = this.live(this.sortedSets, keys.parts) ?? { value: new Map<string, number>(), expiresAt: null };
    this.strings.delete(keys.parts);
    set.value.set(member, score === '+inf' ? Infinity : score === '-inf' ? -Infinity : Number(score));
    this.sortedSets.set(keys.parts, set);
    const result: ChordCount = {
      ready: set.value.size,
      added: this.live(this.strings, keys.added)?.value ?? null,
      size: this.live(this.strings, keys.size)?.value ?? null,
    };
    if (expiresSeconds > 0) {
      const expiresAt = this.now() + expiresSeconds * 1000;
      set.expiresAt = expiresAt;
      for (const key of [keys.added, keys.size]) {
        const entry = this.live(this.strings, key);
        if (entry) entry.expiresAt = expiresAt;
      }
    }
    return result;
  }

  async chordMembers(partsKey: string): Promise<ChordMember[]> {
    const set = this.live(this.sortedSets, partsKey);
    if (!set) return [];
    return [...set.value]
      .map(([member, score]) => ({ member, score }))
      .sort((a, b) => a.score - b.score || compareBytes(a.member, b.member));
  }

  /** INCR (Celery's `add_to_chord` bumps `.t` this way); also handy in tests. */
  async incr(key: string): Promise<number> {
    this.sweepIfDue();
    const entry = this.live(this.strings, key);
    const next = Number(entry?.value ?? '0') + 1;
    this.strings.set(key, { value: String(next), expiresAt: entry?.expiresAt ?? null });
    return next;
  }

  /** Whether a key exists (string or sorted set), for tests. */
  has(key: string): boolean {
    return this.live(this.strings, key) !== null || this.live(this.sortedSets, key) !== null;
  }

  /** Seconds until the key expires: -1 without expiry, -2 when absent (Redis' TTL). */
  ttl(key: string): number {
    const entry = this.live(this.strings, key) ?? this.live(this.sortedSets, key);
    if (!entry) return -2;
    return entry.expiresAt === null ? -1 : Math.ceil((entry.expiresAt - this.now()) / 1000);
  }

  async subscribe(channel: string, watcher: ChannelWatcher): Promise<() => Promise<void>> {
    const set = this.channels.get(channel) ?? new Set<ChannelWatcher>();
    set.add(watcher);
    this.channels.set(channel, set);
    return async () => {
      set.delete(watcher);
      if (set.size === 0 && this.channels.get(channel) === set) this.channels.delete(channel);
    };
  }

  /** How many watchers a channel has (Redis' PUBSUB NUMSUB, counting watchers), for tests. */
  subscribers(channel: string): number {
    return this.channels.get(channel)?.size ?? 0;
  }

  /** PUBLISH without storing anything. */
  publish(channel: string, text: string): void {
    const watchers = this.channels.get(channel);
    if (!watchers || watchers.size === 0) return;
    const targets = [...watchers];
    queueMicrotask(() => {
      for (const watcher of targets) if (watchers.has(watcher)) watcher.message(text);
    });
  }

  /** Tells every watcher that messages may have been missed, as after a reconnection. */
  resyncAll(): void {
    for (const watchers of this.channels.values()) for (const watcher of [...watchers]) watcher.resync();
  }

  async close(): Promise<void> {
    // The store outlives any one backend: other backends on the same memory:// URL keep using it.
  }

  /** Runs on writes only: a store nobody writes to does not grow, and reads stay cheap. */
  private sweepIfDue(): void {
    const now = this.now();
    if (now < this.nextSweepAt) return;
    this.nextSweepAt = now + SWEEP_INTERVAL_MS;
    sweep(this.strings, now);
    sweep(this.sortedSets, now);
  }

  private live<T>(map: Map<string, Entry<T>>, key: string): Entry<T> | null {
    const entry = map.get(key);
    if (!entry) return null;
    if (entry.expiresAt !== null && entry.expiresAt <= this.now()) {
      map.delete(key);
      return null;
    }
    return entry;
  }
}

function sweep<T>(map: Map<string, Entry<T>>, now: number): void {
  // Collected first, so the scan never walks a table it is shrinking (measured: no slower either way).
  const expired: string[] = [];
  for (const [key, entry] of map) if (entry.expiresAt !== null && entry.expiresAt <= now) expired.push(key);
  for (const key of expired) map.delete(key);
}

/** Redis orders equal scores by member bytes; our members are ASCII JSON (non-ASCII is escaped). */
function compareBytes(a: string, b: string): number {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return Buffer.compare(x, y);
}

/** The process-wide store behind every `memory://` URL. */
export const defaultMemoryStore = new MemoryStore();

export class MemoryBackend extends KeyValueResultBackend {
  constructor(
    readonly memory: MemoryStore = defaultMemoryStore,
    options: ResultBackendOptions = {},
  ) {
    super(memory, options);
  }
}
