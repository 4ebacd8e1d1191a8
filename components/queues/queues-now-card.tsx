'use client';
/** Every known queue's length now, as a card: the Queues page and the Broker page both show it. */
import { QueuesTable } from './queues-table';
import { queuesErrorMessage, useQueues } from './use-queues';

export function QueuesNowCard({ title, linkToHistory = false }: { title: string; linkToHistory?: boolean }) {
  const queues = useQueues();
  return (
    <section className="card" aria-label={`Queues: ${title}`}>
      <h2>{title}</h2>
      {queues.error ? (
        <p className="status-bad" role="alert">
          {queuesErrorMessage(queues.error)}
        </p>
      ) : queues.data ? (
        <QueuesTable data={queues.data} linkToHistory={linkToHistory} />
      ) : (
        <p className="empty">Loading…</p>
      )}
    </section>
  );
}
