'use client';
/** Messages waiting in each known queue right now (GET /api/v1/queues). */
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import type { QueuesResponse } from '@/lib/api/queues';
import { ApiError, fetchJson } from '../api/api-client';
import { formatCount } from '../format/format-values';
import styles from './overview.module.css';

function failure(error: Error): string {
  if (error instanceof ApiError && error.status === 503) return `Queue lengths are unavailable: ${error.message}.`;
  return `Could not load queue lengths: ${error.message}`;
}

export function QueuesCard() {
  const query = useQuery({
    queryKey: ['queues'],
    queryFn: ({ signal }) => fetchJson<QueuesResponse>('/api/v1/queues', {}, signal),
    refetchInterval: 5000,
    // A 503 (no broker, or the broker is down) will not mend within a retry's wait; the next poll tries again.
    retry: false,
  });
  const data = query.data;

  return (
    <section className="card" aria-label="Queues">
      <div className={styles.cardHeader}>
        <h2>Queues</h2>
        <Link href="/queues">all queues →</Link>
      </div>
      {query.isError ? (
        <p className={styles.error} role="alert" data-testid="queues-error">
          {failure(query.error)}
        </p>
      ) : !data ? (
        <p className="empty">Loading…</p>
      ) : data.queues.length === 0 ? (
        <p className="empty">No queue known yet: Pollen learns them from workers and sent tasks.</p>
      ) : (
        <div className={styles.scroll}>
          <table className="data" data-testid="queues-table">
            <thead>
              <tr>
                <th>Queue</th>
                <th className="num">Messages</th>
                <th className="num">Consumers</th>
              </tr>
            </thead>
            <tbody>
              {data.queues.map((queue) => (
                <tr key={queue.name} data-testid="queue-row" data-queue={queue.name}>
                  <td className={styles.taskName}>
                    <Link href="/queues">{queue.name}</Link>
                  </td>
                  <td className="num" data-testid="queue-messages">
                    {formatCount(queue.messages)}
                  </td>
                  {/* Redis cannot count consumers; the workers that said they consume it are the next best. */}
                  <td className="num" data-testid="queue-consumers" title={queue.workers.join(', ') || undefined}>
                    {formatCount(queue.consumers ?? queue.workers.length)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data?.warning && <p className="status-warn">{data.warning}</p>}
    </section>
  );
}
