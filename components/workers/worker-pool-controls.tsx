'use client';
/** Pool size controls (Celery's pool_grow, pool_shrink, autoscale), each confirmed and reported. */
import { useState } from 'react';
import { poolSize, poolStats, type WorkerJson } from '@/lib/api/workers';
import { sendControl } from '../api/api-client';
import { ConfirmAction } from '../controls/confirm-action';
import { reportOf } from '../controls/control-report';
import styles from './workers.module.css';

/** Flower's worker control endpoint for `action` ('pool/grow', 'queue/add-consumer', 'shutdown', …). */
export function controlPath(action: string, hostname: string): string {
  return `/api/worker/${action}/${encodeURIComponent(hostname)}`;
}

function NumberField({ label, value, onChange, min = 0, testId }: { label: string; value: number; onChange: (n: number) => void; min?: number; testId: string }) {
  return (
    <label className="field">
      {label}
      <input type="number" min={min} step={1} value={value} onChange={(e) => onChange(Math.max(min, Math.floor(Number(e.target.value) || 0)))} className={styles.narrow} data-testid={testId} required />
    </label>
  );
}

/** `offline`: why the worker cannot be sent commands now (it is offline), or null. */
export function WorkerPoolControls({ hostname, record, onDone, offline }: { hostname: string; record: WorkerJson | undefined; onDone: () => void; offline: string | null }) {
  const [grow, setGrow] = useState(1);
  const [shrink, setShrink] = useState(1);
  const pool = poolStats(record?.stats);
  const size = poolSize(pool);
  const [min, setMin] = useState<number | null>(null);
  const [max, setMax] = useState<number | null>(null);
  const autoscaleMin = min ?? Math.max(1, Math.floor((size ?? 2) / 2));
  const autoscaleMax = max ?? size ?? 4;

  return (
    <section className="card" aria-labelledby="worker-pool-controls">
      <h2 id="worker-pool-controls">Pool controls</h2>
      <p className={styles.notice}>
        Sent to this worker only. Pool size now: {size === null ? 'unknown (not inspected yet)' : <strong data-testid="worker-pool-size">{size}</strong>}; it is read again after each command.
      </p>
      <div className={styles.controlGrid}>
        <div className={styles.controlGroup}>
          <h3>Grow</h3>
          <p>Start more pool processes (prefork and thread pools).</p>
          <ConfirmAction
            label="Grow pool…"
            title={`Grow the pool of ${hostname}?`}
            description="The worker starts this many more processes and raises its prefetch count to match."
            fields={<NumberField label="Processes to add" value={grow} onChange={setGrow} min={1} testId="worker-pool-grow-n" />}
            confirmLabel="Grow"
            disabledReason={offline}
            testId="worker-pool-grow"
            run={async () => reportOf(await sendControl(controlPath('pool/grow', hostname), { form: { n: grow } }), hostname)}
            onDone={onDone}
          />
        </div>
        <div className={styles.controlGroup}>
          <h3>Shrink</h3>
          <p>Stop pool processes once they finish their current task.</p>
          <ConfirmAction
            label="Shrink pool…"
            title={`Shrink the pool of ${hostname}?`}
            description="The worker stops this many processes; a pool never shrinks below one process."
            fields={<NumberField label="Processes to remove" value={shrink} onChange={setShrink} min={1} testId="worker-pool-shrink-n" />}
            confirmLabel="Shrink"
            disabledReason={offline}
            testId="worker-pool-shrink"
            run={async () => reportOf(await sendControl(controlPath('pool/shrink', hostname), { form: { n: shrink } }), hostname)}
            onDone={onDone}
          />
        </div>
        <div className={styles.controlGroup}>
          <h3>Autoscale</h3>
          <p>Let the worker size its pool between a minimum and a maximum (needs --autoscale).</p>
          <ConfirmAction
            label="Autoscale…"
            title={`Set autoscaling of ${hostname}?`}
            description="A worker started without --autoscale refuses, and the reason is shown here."
            fields={
              <div className={styles.inline}>
                <NumberField label="Minimum" value={autoscaleMin} onChange={setMin} testId="worker-autoscale-min" />
                <NumberField label="Maximum" value={autoscaleMax} onChange={setMax} testId="worker-autoscale-max" />
              </div>
            }
            confirmLabel="Set autoscale"
            invalidReason={autoscaleMin > autoscaleMax ? 'The minimum is above the maximum' : null}
            disabledReason={offline}
            testId="worker-autoscale"
            run={async () => reportOf(await sendControl(controlPath('pool/autoscale', hostname), { form: { min: autoscaleMin, max: autoscaleMax } }), hostname)}
            onDone={onDone}
          />
        </div>
      </div>
    </section>
  );
}
