/**
 * The worker's configuration as it reports it (inspect conf: the settings that differ from Celery's
 * defaults) and its resource usage (stats.rusage), plus the raw stats reply for anything not shown.
 */
import { Fragment } from 'react';
import type { WorkerJson } from '@/lib/api/workers';
import styles from './workers.module.css';

function show(value: unknown): string {
  if (value === null) return 'None';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

const RUSAGE_LABELS: Readonly<Record<string, string>> = {
  utime: 'user CPU (s)',
  stime: 'system CPU (s)',
  maxrss: 'max resident set (KiB)',
  minflt: 'minor page faults',
  majflt: 'major page faults',
  inblock: 'block reads',
  oublock: 'block writes',
  nvcsw: 'voluntary context switches',
  nivcsw: 'involuntary context switches',
  nsignals: 'signals received',
};

export function WorkerConfig({ record }: { record: WorkerJson | undefined }) {
  const conf = record?.conf;
  const rusage = record?.stats?.rusage;
  const entries = conf ? Object.entries(conf).sort(([a], [b]) => a.localeCompare(b)) : null;

  return (
    <div className="grid cols-2">
      <section className="card" aria-labelledby="worker-conf-title" data-testid="worker-conf">
        <h2 id="worker-conf-title">Configuration</h2>
        <p className={styles.notice}>The settings this worker runs with that differ from Celery&apos;s defaults (inspect conf); passwords in URLs come masked.</p>
        {entries === null ? (
          <p className="empty">The worker has not answered inspect conf yet. Refresh asks it again.</p>
        ) : entries.length === 0 ? (
          <p className="empty">Every setting is at its default.</p>
        ) : (
          <div className="table-scroll">
            <table className="data">
              <tbody>
                {entries.map(([key, value]) => (
                  <tr key={key}>
                    <th className={styles.code}>{key}</th>
                    <td className={styles.args}>{show(value)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <div className="stack">
        <section className="card" aria-labelledby="worker-rusage-title">
          <h2 id="worker-rusage-title">Resource usage</h2>
          {rusage === undefined ? (
            <p className="empty">Not reported (the worker has not answered inspect stats).</p>
          ) : (
            <dl className="facts">
              {Object.entries(RUSAGE_LABELS)
                .filter(([key]) => typeof rusage[key] === 'number')
                .map(([key, label]) => (
                  <Fragment key={key}>
                    <dt>{label}</dt>
                    <dd>{Number(rusage[key]).toLocaleString('en-US', { maximumFractionDigits: 2 })}</dd>
                  </Fragment>
                ))}
            </dl>
          )}
        </section>
        {record?.stats !== undefined && (
          <section className="card" aria-labelledby="worker-stats-raw-title">
            <details>
              <summary id="worker-stats-raw-title">Raw inspect stats reply</summary>
              <pre className="code">{JSON.stringify(record.stats, null, 2)}</pre>
            </details>
          </section>
        )}
      </div>
    </div>
  );
}
