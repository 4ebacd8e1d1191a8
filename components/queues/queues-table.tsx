'use client';
/** The known queues with their length now: shared by the Queues and Broker pages. */
import Link from 'next/link';
import type { QueueRow, QueuesResponse } from '@/lib/api/queues';
import { formatAgo, formatCount } from '../format/format-values';
import styles from './queues.module.css';

const ORIGIN_LABELS: Readonly<Record<string, string>> = { workers: 'consumed', default: 'default queue', events: 'task-sent events' };

/** kombu's Redis priority lists, one count per step; empty steps dimmed. */
function Priorities({ priorities }: { priorities: QueueRow['priorities'] }) {
  if (priorities === null) return <span className="muted">—</span>;
  const steps = Object.entries(priorities).sort(([a], [b]) => Number(a) - Number(b));
  return (
    <span className={styles.priorities} data-testid="queue-priorities">
      {steps.map(([step, n]) => (
        <span key={step} className={n > 0 ? undefined : 'muted'} title={`priority step ${step}`}>
          {step}:{formatCount(n)}
        </span>
      ))}
    </span>
  );
}

export function QueuesTable({ data, linkToHistory = false }: { data: QueuesResponse; linkToHistory?: boolean }) {
  const showUnacked = data.queues.some((q) => q.unacked !== null);
  const showPriorities = data.queues.some((q) => q.priorities !== null);
  return (
    <>
      <div className="table-scroll">
        <table className="data" data-testid="queues-table">
          <thead>
            <tr>
              <th>Queue</th>
              <th className="num">Messages</th>
              {showPriorities && <th title="waiting per priority step (kombu's Redis lists)">By priority</th>}
              {showUnacked && <th className="num">Unacked</th>}
              <th className="num" title="From the broker where it can tell (RabbitMQ); on Redis, the workers whose active_queues name the queue">
                Consumers
              </th>
              <th>Workers consuming</th>
              <th>Known from</th>
            </tr>
          </thead>
          <tbody>
            {data.queues.map((q) => (
              <tr key={q.name} data-testid="queue-row" data-queue={q.name}>
                <td className="mono">
                  {q.name}
                  {q.exists === false && (
                    <>
                      {' '}
                      <span className="badge status-warn" title="the broker has no such queue">
                        not declared
                      </span>
                    </>
                  )}
                </td>
                <td className="num" data-testid="queue-messages">
                  {formatCount(q.messages)}
                </td>
                {showPriorities && (
                  <td>
                    <Priorities priorities={q.priorities} />
                  </td>
                )}
                {showUnacked && <td className="num">{formatCount(q.unacked)}</td>}
                <td className="num">{q.consumers === null ? formatCount(q.workers.length) : formatCount(q.consumers)}</td>
                <td className={styles.workers}>{q.workers.length === 0 ? <span className="muted">none</span> : q.workers.join(', ')}</td>
                <td className="muted">{q.origins.map((o) => ORIGIN_LABELS[o] ?? o).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {data.queues.length === 0 && <p className="empty">No queue known yet: no worker reported its queues and no task-sent event named one.</p>}
      <p className="muted">
        {data.source === 'management' ? 'From the RabbitMQ management API' : 'Read from the broker'}
        {data.sampledAt !== null && <> · last sampled {formatAgo(data.sampledAt / 1000)}</>}
        {linkToHistory && (
          <>
            {' '}
            · <Link href="/queues">lengths over time</Link>
          </>
        )}
      </p>
      {data.warning !== null && <p className="status-warn">{data.warning}</p>}
    </>
  );
}
