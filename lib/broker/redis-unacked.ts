/**
 * kombu's ack emulation on Redis (CELERY-WIRE.md §3.4; kombu 5.2.4 `redis.QoS`), shared with every Python
 * worker on the same database:
 *
 *   deliver  MULTI ZADD unacked_index <now, float seconds> <tag>; HSET unacked <tag> [envelope, ex, rk]; EXEC
 *   ack      MULTI ZREM unacked_index <tag>; HDEL unacked <tag>; EXEC
 *   restore  remove both, push the envelope (marked redelivered) back to the queues its exchange and
 *            routing key lead to, in one step. kombu pushes:
 *              - at the BACK of the queue (LPUSH) for reject(requeue=True),
 *              - at the FRONT (RPUSH, popped next) for a clean shutdown and for the visibility timeout,
 *            and always onto the queue's own list (priority step 0), whatever the message's priority.
 *   timed out: under the `unacked_mutex` lock (SET NX PX 300000, released by compare-and-delete), every tag
 *            in unacked_index older than the visibility timeout is restored, whoever delivered it.
 *
 * kombu restores with WATCH/MULTI; here one Lua script checks that the entry is still the one read and does
 * the removal and the pushes atomically, so a Python restorer and this one never both push the same message.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { type RedisKeys, UNACKED_MUTEX_EXPIRE_MS } from './redis-keys';
import { queuesFor } from './redis-routing';
import { decodeUnackedEntry, encodeUnackedEntry, markRedelivered, type UnackedEntry } from './redis-unacked-entry';

/** Where a restored message goes in its queue. */
export const RestoreEnd = {
  /** LPUSH: behind everything waiting (kombu's reject with requeue). */
  Back: 'LPUSH',
  /** RPUSH: the next one popped (kombu's shutdown and visibility-timeout restores). */
  Front: 'RPUSH',
} as const;
export type RestoreEnd = (typeof RestoreEnd)[keyof typeof RestoreEnd];

// KEYS: unacked, unacked_index, target lists... ARGV: tag, the entry as read, the payload to push, LPUSH|RPUSH.
// Returns 1 restored, 0 nothing stored (indices cleaned), -1 the entry changed since it was read.
const RESTORE_SCRIPT = `
local stored = redis.call('HGET', KEYS[1], ARGV[1])
if stored and stored ~= ARGV[2] then return -1 end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[1], ARGV[1])
if not stored then return 0 end
for i = 3, #KEYS do redis.call(ARGV[4], KEYS[i], ARGV[3]) end
return 1`;

// KEYS: the lists of ARGV[2] queues, step-major in the current queue order (BRPOP's key order). ARGV[1]:
// how many at most. Serves them as that many BRPOPs would: the first non-empty list in key order, then
// the queue served moves to the end of the order (kombu's round robin). Returns [list, item, ...].
const POP_SCRIPT = `
local q = tonumber(ARGV[2])
local order = {}
for i = 1, q do order[i] = i end
local out = {}
local left = tonumber(ARGV[1])
while left > 0 do
  local hit = nil
  for step = 0, #KEYS / q - 1 do
    for pos = 1, q do
      local key = KEYS[step * q + order[pos]]
      local item = redis.call('RPOP', key)
      if item then
        hit = pos
        out[#out + 1] = key
        out[#out + 1] = item
        break
      end
    end
    if hit then break end
  end
  if not hit then break end
  left = left - 1
  table.insert(order, table.remove(order, hit))
end
return out`;

// redis-py's Lock.release: delete the lock only if it is still ours.
const RELEASE_SCRIPT = `
local token = redis.call('GET', KEYS[1])
if not token or token ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1`;

export class UnackedStore {
  constructor(
    private readonly client: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /** Lines where a mistake loses data: a popped message exists only in this process until this is done. */
  async record(tag: string, entry: UnackedEntry): Promise<void> {
    const results = await this.client
      .multi()
      .zadd(this.keys.unackedIndex, Date.now() / 1000, tag)
      .hset(this.keys.unacked, tag, encodeUnackedEntry(entry))
      .exec();
    throwFirstError(results);
  }

  /** Several at once, in one transaction (a batch popped by `pop`). */
  async recordMany(entries: readonly { readonly tag: string; readonly entry: UnackedEntry }[]): Promise<void> {
    if (entries.length === 0) return;
    const now = Date.now() / 1000;
    const results = await this.client
      .multi()
      .zadd(this.keys.unackedIndex, ...entries.flatMap(({ tag }) => [now, tag]))
      .hset(this.keys.unacked, ...entries.flatMap(({ tag, entry }) => [tag, encodeUnackedEntry(entry)]))
      .exec();
    throwFirstError(results);
  }

  /**
   * Takes up to `max` waiting messages without blocking, in the order BRPOPs would (`lists` as
   * `RedisKeys.popOrder` lays out the lists of `queues` queues). A backlog then costs one round
   * trip per batch instead of one BRPOP per message; the messages are recorded with `recordMany` next,
   * the same window between pop and record as kombu's BRPOP has.
   */
  async pop(lists: readonly string[], queues: number, max: number): Promise<[list: string, item: string][]> {
    if (lists.length === 0 || queues === 0 || lists.length % queues !== 0 || max <= 0) return [];
    const flat = (await this.client.eval(POP_SCRIPT, lists.length, ...lists, max, queues)) as string[];
    const out: [string, string][] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i] as string, flat[i + 1] as string]);
    return out;
  }

  /** Ack (and reject without requeue): the broker forgets the message. */
  async forget(tag: string): Promise<void> {
    const results = await this.client.multi().zrem(this.keys.unackedIndex, tag).hdel(this.keys.unacked, tag).exec();
    throwFirstError(results);
  }

  /**
   * Puts the message stored under `tag` back on its queue(s), marked redelivered, and forgets it. False
   * when there was nothing to restore (already acked or restored by someone else), or when the stored
   * entry is unreadable (left as it is: nobody can restore it, and it is not ours to destroy).
   */
  async restore(tag: string, end: RestoreEnd): Promise<boolean> {
    const stored = await this.client.hget(this.keys.unacked, tag);
    if (stored === null) {
      await this.forget(tag);
      return false;
    }
    const entry = decodeUnackedEntry(stored);
    if (!entry) return false;
    const queues = await queuesFor(this.client, this.keys, entry.exchange, entry.routingKey);
    const payload = markRedelivered(entry.envelope) ?? entry.envelope;
    const lists = queues.map((queue) => this.keys.list(queue, 0));
    const done = await this.client.eval(RESTORE_SCRIPT, 2 + lists.length, this.keys.unacked, this.keys.unackedIndex, ...lists, tag, stored, payload, end);
    return done === 1;
  }

  /**
   * Restores every message delivered longer ago than the visibility timeout, by any consumer, unless
   * another process holds the lock right now. Returns how many were restored.
   */
  async restoreTimedOut(visibilityTimeoutS: number): Promise<number> {
    const token = randomUUID().replaceAll('-', '');
    const locked = await this.client.set(this.keys.unackedMutex, token, 'PX', UNACKED_MUTEX_EXPIRE_MS, 'NX');
    if (locked !== 'OK') return 0;
    try {
      const ceiling = Date.now() / 1000 - visibilityTimeoutS;
      const tags = await this.client.zrevrangebyscore(this.keys.unackedIndex, ceiling, 0);
      let restored = 0;
      for (const tag of tags) if (await this.restore(tag, RestoreEnd.Front)) restored++;
      return restored;
    } finally {
      await this.client.eval(RELEASE_SCRIPT, 1, this.keys.unackedMutex, token).catch(() => undefined);
    }
  }
}

function throwFirstError(results: [Error | null, unknown][] | null): void {
  if (results === null) throw new Error('Redis transaction was aborted');
  for (const [error] of results) if (error) throw error;
}
