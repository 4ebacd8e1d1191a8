'use client';
/**
 * Rate and time limit controls for one task type. Flower's endpoints change one worker per call, so the
 * command goes once to each chosen worker and the result has one line per worker.
 */
import { useState } from 'react';
import type { ControlResult } from '../api/api-client';
import { ConfirmAction } from '../controls/confirm-action';
import { type ControlReport, reportOfMany } from '../controls/control-report';
import { sendRateLimit, sendTimeLimits } from '../controls/task-limit-commands';
import type { WorkerTaskLimits } from './registered-limits';
import styles from './task-types.module.css';

interface LimitControlProps {
  readonly task: string;
  readonly workers: readonly WorkerTaskLimits[];
  readonly onDone: () => void;
}

async function toEachWorker(workers: readonly string[], send: (worker: string) => Promise<ControlResult>): Promise<ControlReport> {
  return reportOfMany(await Promise.all(workers.map(async (target) => ({ target, result: await send(target) }))));
}

/** Online workers by default: an offline one cannot answer. */
function useWorkerChoice(workers: readonly WorkerTaskLimits[]) {
  const [chosen, setChosen] = useState<ReadonlySet<string> | null>(null);
  const selected = chosen ?? new Set(workers.filter((w) => w.alive).map((w) => w.worker));
  const toggle = (worker: string) => {
    const next = new Set(selected);
    if (next.has(worker)) next.delete(worker);
    else next.add(worker);
    setChosen(next);
  };
  return { selected, toggle, reset: () => setChosen(null) };
}

function WorkerChoice({ workers, selected, toggle, testId }: { workers: readonly WorkerTaskLimits[]; selected: ReadonlySet<string>; toggle: (w: string) => void; testId: string }) {
  return (
    <fieldset className={styles.workerChoice} data-testid={testId}>
      <legend>Workers that run it</legend>
      {workers.map((w) => (
        <label key={w.worker}>
          <input type="checkbox" checked={selected.has(w.worker)} onChange={() => toggle(w.worker)} value={w.worker} />
          {w.worker}
          {!w.alive && <span className="muted"> (offline)</span>}
        </label>
      ))}
    </fieldset>
  );
}

/** Why no worker can take the command; the reasons every row shares are above the table (ControlsClosedNotice). */
function noWorkers(workers: readonly WorkerTaskLimits[]): string | null {
  if (workers.length === 0) return 'No worker has registered this task';
  return workers.some((w) => w.alive) ? null : 'Every worker that runs it is offline';
}

export function RateLimitAction({ task, workers, onDone }: LimitControlProps) {
  const [rate, setRate] = useState('');
  const choice = useWorkerChoice(workers);
  const targets = [...choice.selected];
  return (
    <ConfirmAction
      label="Rate limit"
      className="small"
      testId="rate-limit"
      title={`Rate limit ${task}`}
      description={<>Tasks per second, minute or hour on each chosen worker (<code>10/m</code>, <code>5/s</code>, <code>100</code>). Empty or <code>0</code> lifts the limit.</>}
      disabledReason={noWorkers(workers)}
      sharedNotice={{ reason: null }}
      fields={
        <>
          <label className="field">
            Rate
            <input name="ratelimit" data-testid="rate-limit-input" value={rate} placeholder="e.g. 10/m" onChange={(e) => setRate(e.target.value)} autoFocus />
          </label>
          <WorkerChoice workers={workers} selected={choice.selected} toggle={choice.toggle} testId="rate-limit-workers" />
        </>
      }
      confirmLabel={rate.trim() === '' || rate.trim() === '0' ? 'Lift the limit' : `Set ${rate.trim()}`}
      run={() => toEachWorker(targets, (worker) => sendRateLimit(task, worker, rate))}
      onDone={() => {
        choice.reset();
        onDone();
      }}
    />
  );
}

export function TimeLimitAction({ task, workers, onDone }: LimitControlProps) {
  const [soft, setSoft] = useState('');
  const [hard, setHard] = useState('');
  const choice = useWorkerChoice(workers);
  const targets = [...choice.selected];
  return (
    <ConfirmAction
      label="Time limit"
      className="small"
      testId="time-limit"
      title={`Time limits of ${task}`}
      description="Seconds a task may run on each chosen worker: past the soft limit the task is told (SoftTimeLimitExceeded), past the hard limit its process is killed. An empty field means no limit."
      disabledReason={noWorkers(workers)}
      sharedNotice={{ reason: null }}
      fields={
        <>
          <div className="row">
            <label className="field">
              Soft (s)
              <input name="soft" type="number" min={0} step="any" data-testid="time-limit-soft" value={soft} onChange={(e) => setSoft(e.target.value)} />
            </label>
            <label className="field">
              Hard (s)
              <input name="hard" type="number" min={0} step="any" data-testid="time-limit-hard" value={hard} onChange={(e) => setHard(e.target.value)} />
            </label>
          </div>
          <WorkerChoice workers={workers} selected={choice.selected} toggle={choice.toggle} testId="time-limit-workers" />
        </>
      }
      confirmLabel="Set time limits"
      run={() => toEachWorker(targets, (worker) => sendTimeLimits(task, worker, soft, hard))}
      onDone={() => {
        choice.reset();
        onDone();
      }}
    />
  );
}
