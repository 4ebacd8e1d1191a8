'use client';
/**
 * Flower's /worker/:name, in tabs: what the worker is (facts, pool, load, throughput), the tasks it
 * holds, the queues it consumes, the tasks it registered (with their limits), and its configuration.
 * Event fields are live (push); inspect replies are asked for when the page opens and on Refresh.
 */
import Link from 'next/link';
import { type ReactNode, useEffect, useState } from 'react';
import { activeCount, activeRequests, type WorkerEventFields, type WorkerJson } from '@/lib/api/workers';
import { ApiError, sendControl } from '../api/api-client';
import { CopyButton } from '../clipboard/copy-button';
import { ConfirmAction } from '../controls/confirm-action';
import { reportOf } from '../controls/control-report';
import { BreakableName } from '../format/breakable-name';
import { formatAgo, formatCount } from '../format/format-values';
import { useLiveWorker } from '../live/live-hooks';
import { useInspectedWorkers, useNow } from './use-inspected-workers';
import { WorkerConfig } from './worker-config';
import { WorkerCharts } from './worker-charts';
import { WorkerFacts } from './worker-facts';
import { controlPath, WorkerPoolControls } from './worker-pool-controls';
import { WorkerQueues } from './worker-queues';
import { WorkerRegistered } from './worker-registered';
import { formatLoad, lastSeen, liveness } from './worker-rows';
import { WorkerStatus } from './worker-status';
import { WorkerTaskLists } from './worker-task-lists';
import styles from './workers.module.css';

const TABS = ['overview', 'tasks', 'queues', 'registered', 'config'] as const;
type Tab = (typeof TABS)[number];

export function WorkerPage({ hostname }: { hostname: string }) {
  const live = useLiveWorker(hostname);
  const inspected = useInspectedWorkers(hostname, 10_000, true);
  const now = useNow(2_000);
  const [tab, setTab] = useTab();

  const record: WorkerJson | undefined = inspected.data?.[hostname];
  // Pushed fields are newer than the inspect cache's copy of them.
  const events: WorkerEventFields | undefined = live.worker ?? record;
  const unknown = live.worker === null && inspected.error instanceof ApiError && inspected.error.status === 404;
  const status = liveness(events);
  // An offline worker hears no command: its controls say so rather than wait for a reply that cannot come.
  const offline = status === 'offline' ? 'The worker is offline' : null;
  const liveActive = live.worker?.active ?? null;
  const running = activeRequests(record);

  if (unknown) {
    return (
      <>
        <div className="page-header">
          <h1>{hostname}</h1>
        </div>
        <div className="card" data-testid="worker-unknown">
          <h2>Unknown worker</h2>
          <p>
            Pollen has not heard of a worker named <code>{hostname}</code>: it sent no event and did not answer inspect. Check the name, or see <Link href="/workers">all workers</Link>.
          </p>
        </div>
      </>
    );
  }

  const refresh = (): void => void inspected.refresh();
  const counts: Record<Tab, number | null> = {
    overview: null,
    tasks: (running?.length ?? 0) + (record?.reserved?.length ?? 0) + (record?.scheduled?.length ?? 0),
    queues: record?.active_queues?.length ?? null,
    registered: record?.registered?.length ?? null,
    config: null,
  };

  return (
    <>
      <div className="page-header">
        <div className={styles.titleRow}>
          <h1 data-testid="worker-name">
            <BreakableName name={hostname} />
          </h1>
          <CopyButton value={hostname} label="worker's hostname" testId="worker-copy-name" />
          <WorkerStatus status={status} />
          {events?.sw_ident && (
            <span className="muted">
              {events.sw_ident} {events.sw_ver ?? ''}
            </span>
          )}
        </div>
        <div className="row">
          <Link href="/workers" className="button ghost">
            All workers
          </Link>
          <button type="button" className="button" data-testid="worker-refresh" onClick={refresh} disabled={inspected.refreshing} title="Inspect this worker now: stats, queues, tasks, registered, configuration">
            {inspected.refreshing ? 'Inspecting…' : 'Refresh'}
          </button>
          <ConfirmAction
            label="Restart pool"
            title={`Restart the pool of ${hostname}?`}
            description="The worker replaces its pool processes (Celery needs worker_pool_restarts enabled, otherwise it refuses). Running tasks finish first in the old processes."
            disabledReason={offline}
            testId="worker-pool-restart"
            run={async () => reportOf(await sendControl(controlPath('pool/restart', hostname)), hostname)}
            onDone={refresh}
          />
          <ConfirmAction
            label="Shut down"
            title={`Shut down ${hostname}?`}
            description="The worker stops consuming, waits for its running tasks, and exits. Nothing restarts it unless a supervisor does."
            danger
            disabledReason={offline}
            testId="worker-shutdown"
            run={async () => reportOf(await sendControl(controlPath('shutdown', hostname)), hostname)}
          />
        </div>
      </div>
      {inspected.refreshError !== null && <p className="status-bad">Refresh failed: {inspected.refreshError}</p>}
      {inspected.error !== null && !unknown && <p className="status-bad">Could not read the inspect replies: {inspected.error.message}</p>}

      <div className={`grid cols-4 ${styles.stats}`}>
        <Stat label="Active" value={formatCount(liveActive ?? activeCount(record))} testId="worker-stat-active" />
        <Stat label="Processed" value={formatCount(events?.processed)} testId="worker-stat-processed" />
        <Stat label="Load average (1, 5, 15 min)" value={formatLoad(events?.loadavg)} testId="worker-stat-load" />
        <Stat label={events?.alive ? 'Last heartbeat' : 'Last seen'} value={formatAgo(lastSeen(events), now)} testId="worker-stat-heartbeat" />
      </div>

      <div className={styles.tabs} role="tablist" aria-label="Worker sections">
        {TABS.map((name) => (
          <button key={name} type="button" role="tab" id={`worker-tab-${name}`} aria-selected={tab === name} aria-controls={`worker-panel-${name}`} className={styles.tab} data-testid={`worker-tab-${name}`} onClick={() => setTab(name)}>
            {TAB_LABELS[name]}
            {counts[name] !== null && <span className={styles.count}>{counts[name]}</span>}
          </button>
        ))}
      </div>

      <div role="tabpanel" id={`worker-panel-${tab}`} aria-labelledby={`worker-tab-${tab}`}>
        {tab === 'overview' && (
          <div className="stack">
            <WorkerFacts events={events} record={record} now={now} />
            <WorkerPoolControls hostname={hostname} record={record} onDone={refresh} offline={offline} />
            <WorkerCharts hostname={hostname} />
          </div>
        )}
        {tab === 'tasks' && <WorkerTaskLists record={record} now={now} />}
        {tab === 'queues' && <WorkerQueues hostname={hostname} record={record} onDone={refresh} offline={offline} />}
        {tab === 'registered' && <WorkerRegistered hostname={hostname} record={record} offline={offline} />}
        {tab === 'config' && <WorkerConfig record={record} />}
      </div>
    </>
  );
}

const TAB_LABELS: Record<Tab, string> = { overview: 'Overview', tasks: 'Tasks', queues: 'Queues', registered: 'Registered tasks', config: 'Configuration' };

function Stat({ label, value, testId }: { label: string; value: ReactNode; testId: string }) {
  return (
    <div className="card stat">
      <span className="value" data-testid={testId}>
        {value}
      </span>
      <span className="label">{label}</span>
    </div>
  );
}

/** The open tab, kept in the URL's hash so that a link or a reload lands on it. */
function useTab(): [Tab, (tab: Tab) => void] {
  const [tab, setTab] = useState<Tab>('overview');
  useEffect(() => {
    const fromHash = window.location.hash.slice(1) as Tab;
    if (TABS.includes(fromHash)) setTab(fromHash);
  }, []);
  const choose = (next: Tab): void => {
    setTab(next);
    window.history.replaceState(null, '', next === 'overview' ? window.location.pathname + window.location.search : `#${next}`);
  };
  return [tab, choose];
}
