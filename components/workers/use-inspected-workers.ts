'use client';
/**
 * The workers' inspect replies (GET /api/workers), which the push channel does not carry. The cached
 * replies come back at once; `refresh()` asks the workers again (`refresh=true`, which waits for their
 * answers up to the server's --inspect-timeout) and replaces the cache with what they said.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useState } from 'react';
import type { WorkersResponse } from '@/lib/api/workers';
import { ApiError, fetchJson } from '../api/api-client';

export interface InspectedWorkers {
  readonly data: WorkersResponse | undefined;
  readonly error: Error | null;
  readonly isLoading: boolean;
  readonly refreshing: boolean;
  /** The last refresh's failure (the cached data stays shown). */
  readonly refreshError: string | null;
  readonly refresh: () => Promise<void>;
}

/** Every worker (workername undefined) or one; refetched from the cache every `intervalMs`. */
export function useInspectedWorkers(workername?: string, intervalMs = 10_000, refreshOnMount = false): InspectedWorkers {
  const client = useQueryClient();
  const key = ['api-workers', workername ?? '*'];
  const query = useQuery({
    queryKey: key,
    queryFn: ({ signal }) => fetchJson<WorkersResponse>('/api/workers', { workername }, signal),
    refetchInterval: intervalMs,
    // An unknown worker stays unknown until it sends something: no point asking twice.
    retry: (count, error) => count < 1 && !(error instanceof ApiError && error.status === 404),
  });
  const [refreshing, setRefreshing] = useState(false);
  const [refreshError, setRefreshError] = useState<string | null>(null);

  const refresh = useCallback(async () => {
    setRefreshing(true);
    setRefreshError(null);
    try {
      const fresh = await fetchJson<WorkersResponse>('/api/workers', { workername, refresh: true });
      client.setQueryData(['api-workers', workername ?? '*'], fresh);
    } catch (err) {
      setRefreshError(err instanceof Error ? err.message : String(err));
    } finally {
      setRefreshing(false);
    }
  }, [client, workername]);

  // Flower inspects a worker when its page opens: the cache may be up to 30 s old.
  useEffect(() => {
    if (refreshOnMount) void refresh();
  }, [refreshOnMount, refresh]);

  return { data: query.data, error: query.error, isLoading: query.isLoading, refreshing, refreshError, refresh };
}

/** Date.now(), re-read every `intervalMs`, so that "… ago" moves without new data. */
export function useNow(intervalMs = 2_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
