'use client';
/** Queue lengths now and over time, polled at the sampler's pace. */
import { useQuery } from '@tanstack/react-query';
import type { QueueHistoryRange, QueueHistoryResponse, QueuesResponse } from '@/lib/api/queues';
import { ApiError, fetchJson } from '../api/api-client';

/** The server samples every 5 s: polling faster shows nothing new. */
export const QUEUES_INTERVAL_MS = 5000;

export function useQueues() {
  return useQuery({
    queryKey: ['queues'],
    queryFn: ({ signal }) => fetchJson<QueuesResponse>('/api/v1/queues', {}, signal),
    refetchInterval: QUEUES_INTERVAL_MS,
    retry: (count, err) => !(err instanceof ApiError && err.status === 503) && count < 2,
  });
}

export function useQueueHistory(range: QueueHistoryRange) {
  return useQuery({
    queryKey: ['queues', 'history', range],
    queryFn: ({ signal }) => fetchJson<QueueHistoryResponse>('/api/v1/queues/history', { range }, signal),
    refetchInterval: QUEUES_INTERVAL_MS,
    retry: (count, err) => !(err instanceof ApiError && err.status === 503) && count < 2,
  });
}

/** What to tell the operator when the queues cannot be read: 503 is the broker's absence or silence. */
export function queuesErrorMessage(err: Error): string {
  if (err instanceof ApiError && err.status === 503) return `Queue lengths are unavailable: ${err.message}.`;
  return `Could not read the queues: ${err.message}`;
}
