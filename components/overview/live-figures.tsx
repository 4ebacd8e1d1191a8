'use client';
/** The figures at the top of the overview, all from the push `overview` topic (no polling). */
import Link from 'next/link';
import type { Overview } from '@/lib/push/contract';
import { formatCount, formatRate } from '../format/format-values';
import styles from './overview.module.css';

/** Celery's own states, in the order a task goes through them; shown even at zero so the grid is stable. */
const CELERY_STATES = ['PENDING', 'RECEIVED', 'STARTED', 'RETRY', 'SUCCESS', 'FAILURE', 'REVOKED', 'REJECTED'] as const;
const KNOWN: ReadonlySet<string> = new Set(CELERY_STATES);

/** The push counts events over the last 10 s. */
const RATE_WINDOW_S = 10;

function Stat({ label, value, sub, testId }: { label: string; value: string; sub?: string; testId: string }) {
  return (
    <div className="card stat">
      <span className="label">{label}</span>
      <span className="value" data-testid={testId}>
        {value}
      </span>
      {sub !== undefined && <span className={styles.sub}>{sub}</span>}
    </div>
  );
}

export function LiveStats({ overview }: { overview: Overview | null }) {
  const rate = (n: number | undefined): string => (n === undefined ? '—' : formatRate(n / RATE_WINDOW_S));
  const last10 = overview?.throughput.last10s;
  const last60 = overview?.throughput.last60s;
  return (
    <section className={styles.stats} aria-label="Cluster figures">
      <Stat
        label="Workers online"
        value={overview ? formatCount(overview.workers.online) : '—'}
        sub={overview ? `${formatCount(overview.workers.offline)} offline` : undefined}
        testId="workers-online"
      />
      <Stat label="Tasks in memory" value={overview ? formatCount(overview.tasks.total) : '—'} testId="tasks-total" />
      <Stat label="Received" value={rate(last10?.received)} sub={last60 ? `${formatCount(last60.received)} in the last minute` : undefined} testId="rate-received" />
      <Stat label="Succeeded" value={rate(last10?.succeeded)} sub={last60 ? `${formatCount(last60.succeeded)} in the last minute` : undefined} testId="rate-succeeded" />
      <Stat label="Failed" value={rate(last10?.failed)} sub={last60 ? `${formatCount(last60.failed)} in the last minute` : undefined} testId="rate-failed" />
    </section>
  );
}

/** Every state with its count, each a way into the task list filtered by it. */
export function StateCounts({ overview }: { overview: Overview | null }) {
  const byState = overview?.tasks.byState ?? {};
  const custom = Object.keys(byState)
    .filter((state) => !KNOWN.has(state))
    .sort();
  return (
    <section className="card" aria-label="Tasks by state">
      <div className={styles.cardHeader}>
        <h2>Tasks by state</h2>
        <span className="muted">of the tasks Pollen holds in memory</span>
      </div>
      <div className={styles.states}>
        {[...CELERY_STATES, ...custom].map((state) => {
          const count = byState[state] ?? 0;
          const tone = KNOWN.has(state) ? state.toLowerCase() : 'custom';
          return (
            <Link
              key={state}
              href={`/tasks?state=${encodeURIComponent(state)}`}
              className={`${styles.stateTile} ${count === 0 ? styles.zero : ''}`}
              data-testid={`state-${state}`}
              title={`Show ${state} tasks`}
            >
              <span className={styles.stateCount} data-testid={`state-${state}-count`}>
                {overview ? formatCount(count) : '—'}
              </span>
              <span className={`${styles.stateName} state-${tone}`}>{state}</span>
            </Link>
          );
        })}
      </div>
    </section>
  );
}
