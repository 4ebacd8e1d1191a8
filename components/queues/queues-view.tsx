'use client';
/** The Queues page: every known queue's length now and over the chosen window. */
import { useState } from 'react';
import { QUEUE_HISTORY_RANGES, type QueueHistoryRange } from '@/lib/api/queues';
import { QueueHistoryChart } from './queue-history-chart';
import { RangePicker } from '../charts/range-picker';
import { QueuesNowCard } from './queues-now-card';
import { queuesErrorMessage, useQueueHistory } from './use-queues';

export function QueuesView() {
  const [range, setRange] = useState<QueueHistoryRange>('15m');
  const history = useQueueHistory(range);
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Queues</h1>
          <p>Messages waiting in each known queue, read from the broker every 5 s.</p>
        </div>
        <RangePicker ranges={QUEUE_HISTORY_RANGES} value={range} onChange={setRange} testId="queues-range" />
      </div>
      <div className="stack">
        <section className="card" aria-label="Queue lengths over time">
          <h2>Lengths over time</h2>
          {history.error ? (
            <p className="status-bad" role="alert" data-testid="queues-error">
              {queuesErrorMessage(history.error)}
            </p>
          ) : history.data ? (
            <QueueHistoryChart history={history.data} />
          ) : (
            <p className="empty">Loading…</p>
          )}
        </section>
        <QueuesNowCard title="Now" />
      </div>
    </>
  );
}
