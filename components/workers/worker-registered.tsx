'use client';
/**
 * The tasks a worker registered (inspect registered), how many of each it ran (stats.total), and
 * per task the rate limit and time limits of this worker (Celery's rate_limit and time_limit commands).
 */
import { useState } from 'react';
import { parseRegistered, type RegisteredTask, type WorkerJson } from '@/lib/api/workers';
import { ConfirmAction } from '../controls/confirm-action';
import { ControlsClosedNotice } from '../controls/controls-closed';
import { reportOf } from '../controls/control-report';
import { sendRateLimit, sendTimeLimits } from '../controls/task-limit-commands';
import { formatCount } from '../format/format-values';
import styles from './workers.module.css';

function RegisteredRow({ hostname, task, executed, offline }: { hostname: string; task: RegisteredTask; executed: number | undefined; offline: string | null }) {
  const [rate, setRate] = useState(task.attributes['rate_limit'] ?? '');
  const [soft, setSoft] = useState('');
  const [hard, setHard] = useState('');
  const attributes = Object.entries(task.attributes);

  return (
    <tr data-task={task.name}>
      <td className={styles.code}>{task.name}</td>
      <td>
        {attributes.length === 0 ? (
          <span className="muted">—</span>
        ) : (
          <span className={styles.attrs}>
            {attributes.map(([key, value]) => (
              <span key={key} className={styles.attr}>
                {key}={value}
              </span>
            ))}
          </span>
        )}
      </td>
      <td className="num">{formatCount(executed ?? 0)}</td>
      <td className={styles.nowrap}>
        <span className={styles.controls}>
          <ConfirmAction
            label="Rate limit…"
            className="small"
            title={`Rate limit ${task.name} on ${hostname}?`}
            description="Tasks per second, minute or hour on this worker (200, 10/s, 10/m, 5/h); empty removes the limit. Celery applies it to each worker separately."
            fields={
              <label className="field">
                Rate limit
                <input type="text" value={rate} onChange={(e) => setRate(e.target.value)} placeholder="e.g. 10/m" data-testid={`worker-rate-limit-${task.name}-value`} />
              </label>
            }
            confirmLabel="Set rate limit"
            sharedNotice={{ reason: offline }}
            testId={`worker-rate-limit-${task.name}`}
            run={async () => reportOf(await sendRateLimit(task.name, hostname, rate), hostname)}
          />
          <ConfirmAction
            label="Time limits…"
            className="small"
            title={`Time limits of ${task.name} on ${hostname}?`}
            description="Seconds. The soft limit raises SoftTimeLimitExceeded inside the task; the hard limit kills its pool process. Empty leaves that limit unset. Pools without process control (solo, threads) ignore the hard limit."
            fields={
              <div className={styles.inline}>
                <label className="field">
                  Soft (s)
                  <input type="number" min={0} step="any" value={soft} onChange={(e) => setSoft(e.target.value)} className={styles.narrow} data-testid={`worker-time-limit-${task.name}-soft`} />
                </label>
                <label className="field">
                  Hard (s)
                  <input type="number" min={0} step="any" value={hard} onChange={(e) => setHard(e.target.value)} className={styles.narrow} data-testid={`worker-time-limit-${task.name}-hard`} />
                </label>
              </div>
            }
            confirmLabel="Set time limits"
            sharedNotice={{ reason: offline }}
            testId={`worker-time-limit-${task.name}`}
            run={async () => reportOf(await sendTimeLimits(task.name, hostname, soft, hard), hostname)}
          />
        </span>
      </td>
    </tr>
  );
}

export function WorkerRegistered({ hostname, record, offline }: { hostname: string; record: WorkerJson | undefined; offline: string | null }) {
  const [filter, setFilter] = useState('');
  const registered = record?.registered ?? null;
  const totals = record?.stats?.total ?? {};
  const tasks = (registered ?? []).map(parseRegistered).sort((a, b) => a.name.localeCompare(b.name));
  const needle = filter.trim().toLowerCase();
  const shown = needle === '' ? tasks : tasks.filter((task) => task.name.toLowerCase().includes(needle));

  return (
    <section className="card" aria-labelledby="worker-registered-title" data-testid="worker-registered">
      <div className="row">
        <h2 id="worker-registered-title" className={styles.sectionTitle}>
          Registered tasks
          {registered !== null && <span className={styles.count}>{registered.length}</span>}
        </h2>
        <span className="spacer" />
        <input type="search" placeholder="Filter tasks" aria-label="Filter registered tasks" value={filter} onChange={(e) => setFilter(e.target.value)} className={styles.search} />
      </div>
      {registered === null ? (
        <p className="empty">The worker has not answered inspect registered yet. Refresh asks it again.</p>
      ) : shown.length === 0 ? (
        <p className="empty">{tasks.length === 0 ? 'This worker registered no task.' : 'No registered task matches this filter.'}</p>
      ) : (
        <>
        <ControlsClosedNotice reason={offline} />
        <div className="table-scroll">
          <table className="data">
            <thead>
              <tr>
                <th>Task</th>
                <th>Attributes</th>
                <th className="num" title="Tasks of this name the worker ran since it started (inspect stats)">Executed</th>
                <th>Limits on this worker</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((task) => (
                <RegisteredRow key={task.name} hostname={hostname} task={task} executed={totals[task.name]} offline={offline} />
              ))}
            </tbody>
          </table>
        </div>
        </>
      )}
    </section>
  );
}
