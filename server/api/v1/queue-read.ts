/**
 * Pollen's queue endpoints for the dashboard: every known queue with its length now (GET /api/v1/queues)
 * and lengths over time from the sampler (GET /api/v1/queues/history).
 */
import { z } from 'zod';
import type { QueueHistoryResponse, QueuesResponse } from '@/lib/api/queues';
import { INSPECT_STALE_MS, type InspectCache } from '../../control/inspect-cache';
import { HISTORY_RANGES, type HistoryRange } from '../../queues/queue-history';
import type { QueueSampler } from '../../queues/queue-sampler';
import { apiError, type ApiResponse, badRequest, queryObject } from '../api-error';

export const queuesQuery = z.object({});

export const queueHistoryQuery = z.object({
  range: z.enum(Object.keys(HISTORY_RANGES) as [HistoryRange, ...HistoryRange[]]).default('15m').describe('how far back: 15m, 1h (5 s points) or 24h (1 min points)'),
  queue: z.string().min(1).optional().describe('only this queue'),
});

const NO_SAMPLER = 'Pollen runs without a broker (--broker)';

/**
 * `{source, warning, sampledAt, queues: [{name, messages, unacked, consumers, priorities, exists, workers, origins}]}`.
 * `messages` counts messages waiting (ready) whatever the source; `unacked` comes from the management API.
 */
export async function getQueues(sampler: QueueSampler | null, inspect: InspectCache | null, query: URLSearchParams): Promise<ApiResponse> {
  const parsed = queuesQuery.safeParse(queryObject(query));
  if (!parsed.success) return badRequest(parsed.error);
  if (!sampler) return apiError(503, NO_SAMPLER);
  // The page must not wait on workers: it gets the queues known now, and the next poll the rest.
  if (inspect?.isStale(INSPECT_STALE_MS)) inspect.refreshInBackground();
  const known = sampler.known();
  try {
    const readout = await sampler.reader.read(known.map((queue) => queue.name), 'counts');
    const queues = readout.queues.map((reading, i) => {
      const about = known[i];
      return {
        name: reading.name,
        messages: reading.messages,
        unacked: reading.unacked,
        consumers: reading.consumers,
        priorities: reading.byPriority,
        exists: reading.exists,
        workers: about?.workers ?? [],
        origins: about?.origins ?? [],
      };
    });
    const body: QueuesResponse = { source: readout.source, warning: readout.warning, sampledAt: sampler.lastSampleAt, queues };
    return { status: 200, body };
  } catch (err) {
    return apiError(503, `the broker did not answer: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** `{range, step, from, to, queues: [{name, points: [{t, messages, max}]}]}`, times in epoch ms. */
export function getQueueHistory(sampler: QueueSampler | null, query: URLSearchParams, nowMs: number): ApiResponse {
  const parsed = queueHistoryQuery.safeParse(queryObject(query));
  if (!parsed.success) return badRequest(parsed.error);
  if (!sampler) return apiError(503, NO_SAMPLER);
  const { range, queue } = parsed.data;
  const body: QueueHistoryResponse = sampler.history.window(range, nowMs, queue === undefined ? undefined : [queue]);
  return { status: 200, body };
}
