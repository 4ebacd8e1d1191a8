/**
 * Flower's `GET /api/queues/length`: messages waiting in each queue the workers consume (their
 * `active_queues` replies), or in the default queue when no worker said. FLOWER-API.md §2.1, CELERY-WIRE.md §8.
 */
import type { Transport } from '@/lib/broker';
import { isJsonObject, names } from '@/lib/celery';
import { INSPECT_STALE_MS, type InspectCache } from '../control/inspect-cache';
import type { ApiResponse } from './api-error';

export function consumedQueues(inspect: InspectCache | null): string[] {
  const queues = new Set<string>();
  for (const worker of inspect?.workers() ?? []) {
    const reply = inspect?.snapshot(worker).active_queues?.value;
    if (!Array.isArray(reply)) continue;
    for (const queue of reply) if (isJsonObject(queue) && typeof queue['name'] === 'string') queues.add(queue['name']);
  }
  // Workers' own pidbox-like queues are not task queues; Flower lists what active_queues says.
  return queues.size > 0 ? [...queues].sort() : [names.DEFAULT_QUEUE];
}

/** `onlineWorkers`: the workers the events say are alive; the cache must know their queues. */
export async function getQueueLengths(transport: Transport | null, inspect: InspectCache | null, onlineWorkers: readonly string[] = []): Promise<ApiResponse> {
  if (!transport) return { status: 503, body: { error: 'Pollen runs without a broker (--broker)' } };
  // The queue names come from the workers: ask them first when what we have is old or partial.
  if (inspect?.isStale(INSPECT_STALE_MS, onlineWorkers)) await inspect.refresh();
  const queues = consumedQueues(inspect);
  try {
    const lengths = await Promise.all(queues.map(async (name) => ({ name, messages: await transport.queueLength(name) })));
    return { status: 200, body: { active_queues: lengths } };
  } catch (err) {
    return { status: 503, body: { error: `the broker did not answer: ${err instanceof Error ? err.message : String(err)}` } };
  }
}
