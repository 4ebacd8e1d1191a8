/**
 * Small integer ids for the keys of one dimension (task names, workers or queues), so that the stores
 * can hold their series in arrays. At most `cap` keys get their own id (0 .. cap − 1); every key past
 * that maps to `otherId` (= cap), the OTHER_KEY series, and is counted in `overflowEvents`.
 *
 * Keys idle for longer than everything the metrics keep (24 h) are released by `releaseIdle`, so a
 * cluster whose worker names change (autoscaling, containers) does not fill the cap for ever.
 */
import { OTHER_KEY } from './metric-types';

export class KeyRegistry {
  private readonly ids = new Map<string, number>();
  /** Key of each id; null for a free id. Index `cap` is OTHER_KEY. */
  private readonly keys: (string | null)[] = [];
  /** Last time (ms) each id was used. */
  private readonly lastUsed: Float64Array;
  private readonly free: number[] = [];
  private otherUsed = false;
  /** Uses of keys that found the dimension full. */
  overflowEvents = 0;

  constructor(readonly cap: number) {
    this.lastUsed = new Float64Array(cap + 1);
  }

  get otherId(): number {
    return this.cap;
  }

  /** Number of keys with their own id. */
  get size(): number {
    return this.ids.size;
  }

  /** The id of `key`, created on first use (OTHER's when full), stamped as used at `now`. */
  use(key: string, now: number): number {
    let id = this.ids.get(key);
    if (id === undefined) {
      if (this.ids.size >= this.cap) {
        this.overflowEvents++;
        this.otherUsed = true;
        id = this.cap;
      } else {
        id = this.free.pop() ?? this.keys.length;
        this.ids.set(key, id);
        this.keys[id] = key;
      }
    }
    this.lastUsed[id] = now;
    return id;
  }

  /** The id of a key already seen, OTHER's for OTHER_KEY, or -1. */
  find(key: string): number {
    if (key === OTHER_KEY) return this.otherUsed ? this.cap : -1;
    return this.ids.get(key) ?? -1;
  }

  keyOf(id: number): string | null {
    return id === this.cap ? OTHER_KEY : (this.keys[id] ?? null);
  }

  /** Keys with their own id, then OTHER_KEY once it has been used. */
  list(): string[] {
    const keys = [...this.ids.keys()];
    if (this.otherUsed) keys.push(OTHER_KEY);
    return keys;
  }

  /** Frees the ids of keys not used since `before` (ms) and returns them; OTHER is never freed. O(keys). */
  releaseIdle(before: number): number[] {
    const released: number[] = [];
    for (const [key, id] of this.ids) {
      if ((this.lastUsed[id] as number) < before) {
        this.ids.delete(key);
        this.keys[id] = null;
        this.lastUsed[id] = 0;
        this.free.push(id);
        released.push(id);
      }
    }
    return released;
  }
}
