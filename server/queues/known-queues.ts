/**
 * The task queues Pollen knows of, and why: the queues the workers said they consume (their
 * `active_queues` inspect replies, kept by the inspect cache), Celery's default queue, and the queues
 * named in task-sent events (the metrics' queue dimension, which forgets idle ones). Pure.
 */
import { isJsonObject, names } from '@/lib/celery';
import type { InspectCache } from '../control/inspect-cache';
import { OTHER_KEY } from '../metrics/metric-types';

export const QueueOrigin = { Workers: 'workers', Default: 'default', Events: 'events' } as const;
export type QueueOrigin = (typeof QueueOrigin)[keyof typeof QueueOrigin];

/** What is read of the inspect cache. */
export type ActiveQueueReplies = Pick<InspectCache, 'workers' | 'snapshot'>;

export interface KnownQueue {
  readonly name: string;
  /** The workers whose active_queues name it, sorted. */
  readonly workers: readonly string[];
  readonly origins: readonly QueueOrigin[];
}

/** Queue name → the workers that consume it, from the inspect cache. */
export function consumersByQueue(inspect: ActiveQueueReplies | null): Map<string, string[]> {
  const byQueue = new Map<string, string[]>();
  for (const worker of inspect?.workers() ?? []) {
    const reply = inspect?.snapshot(worker).active_queues?.value;
    if (!Array.isArray(reply)) continue;
    for (const queue of reply) {
      if (!isJsonObject(queue) || typeof queue['name'] !== 'string') continue;
      const workers = byQueue.get(queue['name']) ?? [];
      if (!workers.includes(worker)) workers.push(worker);
      byQueue.set(queue['name'], workers);
    }
  }
  return byQueue;
}

/**
 * Every known queue, the ones workers consume and the default queue first (they matter most when a cap
 * allows only some), each group sorted by name.
 */
export function knownQueues(inspect: ActiveQueueReplies | null, seenInEvents: readonly string[]): KnownQueue[] {
  const consumed = consumersByQueue(inspect);
  const origins = new Map<string, QueueOrigin[]>();
  const add = (name: string, origin: QueueOrigin): void => {
    const list = origins.get(name) ?? [];
    if (!list.includes(origin)) list.push(origin);
    origins.set(name, list);
  };
  for (const name of [...consumed.keys()].sort()) add(name, QueueOrigin.Workers);
  add(names.DEFAULT_QUEUE, QueueOrigin.Default);
  // OTHER_KEY is the metrics' bucket for queues past their cap, not a queue.
  for (const name of [...seenInEvents].sort()) if (name !== OTHER_KEY && name !== '') add(name, QueueOrigin.Events);
  return [...origins].map(([name, list]) => ({ name, workers: [...(consumed.get(name) ?? [])].sort(), origins: list }));
}
