/**
 * Flower's `GET /api/queues/length`: messages waiting in each queue the workers consume (their
 * `active_queues` replies), or in the default queue when no worker said. FLOWER-API.md §2.1, CELERY-WIRE.md §8.
 * With `--broker-api` on RabbitMQ the entries are the management API's whole objects, and a queue the
 * broker does not have is left out, as Flower does; otherwise `{name, messages}` for every queue (0 for
 * one that does not exist). When the management API fails the broker's own counts stand in.
 */
import type { Transport } from '@/lib/broker';
import { names } from '@/lib/celery';
import { INSPECT_STALE_MS, type InspectCache } from '../control/inspect-cache';
import { consumersByQueue } from '../queues/known-queues';
import { QueueReader, QueueSource } from '../queues/queue-reader';
import type { ApiResponse } from './api-error';

export function consumedQueues(inspect: InspectCache | null): string[] {
  // Workers' pidbox queues are not task queues; Flower lists what active_queues says.
  const queues = [...consumersByQueue(inspect).keys()];
  return queues.length > 0 ? queues.sort() : [names.DEFAULT_QUEUE];
}

/**
 * `source`: the server's QueueReader (with --broker-api), or a bare transport (the broker's counts).
 * `onlineWorkers`: the workers the events say are alive; the cache must know their queues.
 */
export async function getQueueLengths(source: QueueReader | Transport | null, inspect: InspectCache | null, onlineWorkers: readonly string[] = []): Promise<ApiResponse> {
  if (!source) return { status: 503, body: { error: 'Pollen runs without a broker (--broker)' } };
  const reader = source instanceof QueueReader ? source : new QueueReader(source);
  // The queue names come from the workers: ask them first when what we have is old or partial.
  if (inspect?.isStale(INSPECT_STALE_MS, onlineWorkers)) await inspect.refresh();
  const queues = consumedQueues(inspect);
  try {
    const readout = await reader.read(queues, 'full');
    const activeQueues =
      readout.source === QueueSource.Management
        ? readout.queues.flatMap((queue) => (queue.management ? [queue.management] : []))
        : readout.queues.map((queue) => ({ name: queue.name, messages: queue.messages }));
    return { status: 200, body: { active_queues: activeQueues } };
  } catch (err) {
    return { status: 503, body: { error: `the broker did not answer: ${err instanceof Error ? err.message : String(err)}` } };
  }
}
