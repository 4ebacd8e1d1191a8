/**
 * The Redis keys kombu's virtual transport uses for task queues, bindings and ack emulation, with kombu's
 * `global_keyprefix` applied, and the pure rules that go with them: which lists a consumer pops and in what
 * order, and which queues a binding table routes a message to. CELERY-WIRE.md §3.1, §3.3, §3.4, §3.6;
 * checked in kombu 5.2.4 `kombu/transport/redis.py` and `kombu/transport/virtual/exchange.py`. Pure.
 */
import { names } from '@/lib/celery';

/** kombu's ack-emulation keys (Channel.unacked_key, unacked_index_key, unacked_mutex_key). */
export const UNACKED_KEY = 'unacked';
export const UNACKED_INDEX_KEY = 'unacked_index';
export const UNACKED_MUTEX_KEY = 'unacked_mutex';
/** kombu's `unacked_mutex_expire` (300 s): how long a crashed restorer can hold the lock. */
export const UNACKED_MUTEX_EXPIRE_MS = 300_000;
/** kombu's `visibility_timeout` default: an unacked message is restored after an hour. */
export const DEFAULT_VISIBILITY_TIMEOUT_S = 3600;
/**
 * How often a consumer looks for timed-out messages: kombu's worker calls restore_visible every 10 s but
 * acts on every 10th call, so every 100 s; with a shorter visibility timeout we look as often as it.
 */
export function restoreIntervalMs(visibilityTimeoutS: number): number {
  return Math.max(0.5, Math.min(100, visibilityTimeoutS)) * 1000;
}
/** kombu 5.2.4 BRPOP timeout in seconds: how long an added/cancelled queue or a close can wait. */
export const BRPOP_TIMEOUT_S = 1;

export class RedisKeys {
  constructor(readonly prefix = '') {}

  key(name: string): string {
    return this.prefix + name;
  }

  /** The list a message of this priority is pushed to (priority step 0 = the queue's own name). */
  list(queue: string, priority = 0): string {
    return this.prefix + names.redisPriorityQueue(queue, priority);
  }

  /** The four lists holding a queue's messages. */
  lists(queue: string): string[] {
    return names.redisQueueLists(queue).map((list) => this.prefix + list);
  }

  binding(exchange: string): string {
    return this.prefix + names.redisBindingKey(exchange);
  }

  get unacked(): string {
    return this.prefix + UNACKED_KEY;
  }

  get unackedIndex(): string {
    return this.prefix + UNACKED_INDEX_KEY;
  }

  get unackedMutex(): string {
    return this.prefix + UNACKED_MUTEX_KEY;
  }

  /**
   * BRPOP's keys as kombu orders them: every queue's step-0 list, then every step-3 list, then 6, then 9
   * (so priority beats queue order), with the queue each list belongs to.
   */
  popOrder(queues: readonly string[]): { keys: string[]; queueOf: Map<string, string> } {
    const keys: string[] = [];
    const queueOf = new Map<string, string>();
    for (const step of names.PRIORITY_STEPS) {
      for (const queue of queues) {
        const key = this.prefix + (step === 0 ? queue : `${queue}${names.KOMBU_SEP}${step}`);
        if (queueOf.has(key)) continue;
        keys.push(key);
        queueOf.set(key, queue);
      }
    }
    return { keys, queueOf };
  }
}

/** kombu's round_robin_cycle: the queue just popped from moves to the end of the order. */
export function rotated(queues: readonly string[], used: string): string[] {
  const at = queues.indexOf(used);
  if (at === -1) return [...queues];
  return [...queues.slice(0, at), ...queues.slice(at + 1), used];
}

export interface Binding {
  readonly routingKey: string;
  /** Empty for direct bindings; a regular expression (`^...$`) for topic exchanges. */
  readonly pattern: string;
  readonly queue: string;
}

/** A `_kombu.binding.<exchange>` member, `<routing key>\x06\x16<pattern>\x06\x16<queue>`. */
export function parseBindingMember(member: string): Binding | null {
  const parts = member.split(names.KOMBU_SEP);
  if (parts.length !== 3) return null;
  const [routingKey, pattern, queue] = parts as [string, string, string];
  return { routingKey, pattern, queue };
}

/**
 * The queues a message with this routing key goes to, each once: direct bindings match the key exactly,
 * topic bindings (kombu stores their regular expression as the pattern) match it as `re.match` would.
 */
export function routeByBindings(members: readonly string[], routingKey: string): string[] {
  const queues = new Set<string>();
  for (const member of members) {
    const binding = parseBindingMember(member);
    if (!binding || binding.queue === '') continue;
    if (binding.pattern === '' ? binding.routingKey === routingKey : topicMatches(binding.pattern, routingKey)) {
      queues.add(binding.queue);
    }
  }
  return [...queues];
}

function topicMatches(pattern: string, routingKey: string): boolean {
  try {
    // kombu's patterns are anchored with ^...$ and use only escapes JavaScript reads the same way.
    return new RegExp(pattern).test(routingKey);
  } catch {
    return false;
  }
}
