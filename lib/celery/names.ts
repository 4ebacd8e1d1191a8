/**
 * Every exchange, queue, key and channel name Celery and kombu use, built in one place.
 * CELERY-WIRE.md §0, §3 (Redis keys and channels), §4 (AMQP entities), §6.1 (pidbox), §7 (results).
 */

/** kombu's separator in Redis key names and binding members (ACK, SYN). */
export const KOMBU_SEP = '\x06\x16';
/** Redis priority sub-queues: a priority maps to the largest step <= it; lower steps are popped first. */
export const PRIORITY_STEPS = [0, 3, 6, 9] as const;

export const DEFAULT_QUEUE = 'celery';
export const EVENT_EXCHANGE = 'celeryev';
export const PIDBOX_EXCHANGE = 'celery.pidbox';
export const REPLY_EXCHANGE = 'reply.celery.pidbox';

/** Queue arguments of an event receiver's queue (Celery's event_queue_ttl 5 s, event_queue_expires 60 s). */
export const EVENT_QUEUE_ARGUMENTS = { 'x-message-ttl': 5_000, 'x-expires': 60_000 } as const;
/** Queue arguments of pidbox and reply queues (control_queue_ttl 300 s, control_queue_expires 10 s). */
export const PIDBOX_QUEUE_ARGUMENTS = { 'x-message-ttl': 300_000, 'x-expires': 10_000 } as const;

/** Where kombu's Redis transport puts fanout exchanges: `[global_keyprefix]/<db>.`. */
export interface RedisNamespace {
  readonly db: number;
  /** kombu's `global_keyprefix` transport option; '' by default. */
  readonly keyprefix?: string;
}

/** PUB/SUB channel of a fanout exchange, `/0.celeryev/task.multi` (routing key appended when non-empty). */
export function redisFanoutChannel(exchange: string, routingKey: string, ns: RedisNamespace): string {
  const base = `${ns.keyprefix ?? ''}/${ns.db}.${exchange}`;
  return routingKey ? `${base}/${routingKey}` : base;
}

/** PSUBSCRIBE pattern for every event: `/0.celeryev/*` (binding key `#` becomes `*`). */
export function redisEventPattern(ns: RedisNamespace): string {
  return redisFanoutChannel(EVENT_EXCHANGE, '*', ns);
}

export function redisPidboxChannel(ns: RedisNamespace): string {
  return redisFanoutChannel(PIDBOX_EXCHANGE, '', ns);
}

/** The Redis list for a queue and message priority (0..9; 0 is the HIGHEST on Redis). */
export function redisPriorityQueue(queue: string, priority = 0): string {
  const clamped = Math.min(9, Math.max(0, Math.trunc(priority)));
  let step = 0;
  for (const s of PRIORITY_STEPS) if (s <= clamped) step = s;
  return step === 0 ? queue : `${queue}${KOMBU_SEP}${step}`;
}

/** The four lists that hold a queue's waiting messages, in the order a consumer pops them. */
export function redisQueueLists(queue: string): string[] {
  return PRIORITY_STEPS.map((step) => (step === 0 ? queue : `${queue}${KOMBU_SEP}${step}`));
}

/** Routing table of a virtual exchange on Redis. */
export function redisBindingKey(exchange: string): string {
  return `_kombu.binding.${exchange}`;
}

export function redisBindingMember(routingKey: string, pattern: string, queue: string): string {
  return `${routingKey}${KOMBU_SEP}${pattern}${KOMBU_SEP}${queue}`;
}

export function pidboxQueue(node: string): string {
  return `${node}.${PIDBOX_EXCHANGE}`;
}

export function replyQueue(oid: string): string {
  return `${oid}.${REPLY_EXCHANGE}`;
}

export function eventQueue(nodeId: string): string {
  return `${EVENT_EXCHANGE}.${nodeId}`;
}

/** Result backend keys (never prefixed by global_keyprefix). */
export function taskMetaKey(taskId: string): string {
  return `celery-task-meta-${taskId}`;
}

export function groupMetaKey(groupId: string): string {
  return `celery-taskset-meta-${groupId}`;
}
