'use client';
/** The queues a worker consumes (inspect active_queues), with add_consumer and cancel_consumer. */
import { useState } from 'react';
import type { ActiveQueue, WorkerJson } from '@/lib/api/workers';
import { sendControl } from '../api/api-client';
import { ConfirmAction } from '../controls/confirm-action';
import { ControlsClosedNotice } from '../controls/controls-closed';
import { reportOf } from '../controls/control-report';
import { formatAgo } from '../format/format-values';
import { controlPath } from './worker-pool-controls';
import styles from './workers.module.css';

function flags(queue: { durable?: boolean; exclusive?: boolean; auto_delete?: boolean; no_ack?: boolean }): string {
  const set = [queue.durable && 'durable', queue.exclusive && 'exclusive', queue.auto_delete && 'auto-delete', queue.no_ack && 'no-ack'].filter(Boolean);
  return set.length > 0 ? set.join(', ') : '—';
}

export function WorkerQueues({ hostname, record, onDone, offline }: { hostname: string; record: WorkerJson | undefined; onDone: () => void; offline: string | null }) {
  const [queue, setQueue] = useState('');
  // A cancelled queue keeps its row (marked) until the page forgets it: the row holds the dialog that
  // shows the worker's answer, which a refresh would otherwise remove while it is being read.
  const [cancelled, setCancelled] = useState<readonly ActiveQueue[]>([]);
  const consumed = record?.active_queues ?? null;
  const queues = consumed === null ? null : [...consumed, ...cancelled.filter((gone) => !consumed.some((q) => q.name === gone.name))].sort((a, b) => a.name.localeCompare(b.name));
  const at = record?.inspected_at.active_queues;
  const wanted = queue.trim();
  // Celery answers add_consumer before its consumer loop applies it: look again a moment later.
  const refreshTwice = (): void => {
    onDone();
    setTimeout(onDone, 2_000);
  };

  return (
    <div className="stack">
      <section className="card" aria-labelledby="worker-queues-title" data-testid="worker-queues">
        <h2 id="worker-queues-title" className={styles.sectionTitle}>
          Queues consumed
          {queues !== null && <span className={styles.count}>{queues.length}</span>}
          {at !== undefined && <span className="muted"> · inspected {formatAgo(at)}</span>}
        </h2>
        {queues === null ? (
          <p className="empty">The worker has not answered inspect active_queues yet. Refresh asks it again.</p>
        ) : queues.length === 0 ? (
          <p className="empty">This worker consumes no queue: it receives no task until a consumer is added.</p>
        ) : (
          <>
          <ControlsClosedNotice reason={offline} />
          <div className="table-scroll">
            <table className="data">
              <thead>
                <tr>
                  <th>Queue</th>
                  <th>Exchange</th>
                  <th>Type</th>
                  <th>Routing key</th>
                  <th>Flags</th>
                  <th aria-label="Actions" />
                </tr>
              </thead>
              <tbody>
                {queues.map((q) => {
                  const isConsumed = consumed?.some((c) => c.name === q.name) ?? false;
                  return (
                    <tr key={q.name} data-queue={q.name} data-consumed={isConsumed} className={isConsumed ? undefined : styles.offlineRow}>
                      <td className={styles.hostname}>
                        {q.name} {!isConsumed && <span className="badge status-warn">consumer cancelled</span>}
                      </td>
                      <td>{q.exchange?.name || <span className="muted">(default)</span>}</td>
                      <td>{q.exchange?.type ?? '—'}</td>
                      <td className={styles.code}>{q.routing_key ?? '—'}</td>
                      <td>{flags(q)}</td>
                      <td className="num">
                        <ConfirmAction
                          label="Cancel consumer"
                          title={`Stop ${hostname} consuming from ${q.name}?`}
                          description="The worker stops taking new tasks from this queue; tasks it already holds still run. The queue and its messages stay on the broker."
                          danger
                          className="small"
                          disabledReason={isConsumed ? null : 'The worker no longer consumes from this queue'}
                          sharedNotice={{ reason: offline }}
                          testId={`worker-cancel-consumer-${q.name}`}
                          run={async () => reportOf(await sendControl(controlPath('queue/cancel-consumer', hostname), { form: { queue: q.name } }), hostname)}
                          onDone={(report) => {
                            if (report.ok) setCancelled((list) => [...list.filter((c) => c.name !== q.name), q]);
                            refreshTwice();
                          }}
                        />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          </>
        )}
      </section>
      <section className="card" aria-labelledby="worker-add-consumer-title">
        <h2 id="worker-add-consumer-title">Add a consumer</h2>
        <p className={styles.notice}>The worker starts consuming from this queue (declared on the broker if it does not exist), until cancelled or restarted.</p>
        <div className={styles.inline}>
          <label className="field">
            Queue name
            <input type="text" value={queue} onChange={(e) => setQueue(e.target.value)} placeholder="e.g. priority" data-testid="worker-add-consumer-queue" />
          </label>
          <ConfirmAction
            label="Add consumer"
            title={`Make ${hostname} consume from ${wanted || '…'}?`}
            description={`Celery's add_consumer for queue "${wanted}", sent to this worker only.`}
            disabledReason={offline ?? (wanted === '' ? 'Name the queue to consume from' : null)}
            testId="worker-add-consumer"
            run={async () => reportOf(await sendControl(controlPath('queue/add-consumer', hostname), { form: { queue: wanted } }), hostname)}
            onDone={refreshTwice}
          />
        </div>
      </section>
    </div>
  );
}
