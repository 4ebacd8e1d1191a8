'use client';
/** Every field of the task as the events told it: who ran it, where it was routed, when, and its family. */
import Link from 'next/link';
import type { ReactNode } from 'react';
import type { SettlementJson, V1Task } from '@/lib/api/tasks';
import type { TimeFormat } from '../format/format-time';
import { formatDuration } from '../format/format-values';
import { useTimeFormat } from '../format/use-time-format';
import { StateBadge } from '../tasks/state-badge';
import styles from './task.module.css';

export function TaskLink({ id, testId }: { id: string; testId?: string }) {
  return (
    <Link href={`/task/${encodeURIComponent(id)}`} className="mono" data-testid={testId}>
      {id}
    </Link>
  );
}

export function WorkerLink({ name }: { name: string }) {
  return <Link href={`/worker/${encodeURIComponent(name)}`}>{name}</Link>;
}

const SIGNALS: Record<number, string> = { 1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 9: 'SIGKILL', 10: 'SIGUSR1', 12: 'SIGUSR2', 15: 'SIGTERM' };

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{children ?? <span className="muted">—</span>}</dd>
    </>
  );
}

function orDash(value: string | null | undefined): ReactNode {
  return value === null || value === undefined || value === '' ? null : value;
}

function time(format: TimeFormat, seconds: number | null): ReactNode {
  return seconds === null ? null : format.dateTime(seconds);
}

/** ETA and expires are ISO 8601 as the client wrote them: shown like every other time when they parse. */
function isoTime(format: TimeFormat, iso: string | null): ReactNode {
  if (iso === null || iso === '') return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : <span title={iso}>{format.dateTime(ms / 1000)}</span>;
}

/** Celery's task-received event carries no routing: a result_extended record still names the queue. */
export function TaskIdentity({ task, state, storedQueue }: { task: V1Task; state: string; storedQueue: string | null }) {
  const format = useTimeFormat();
  return (
    <section className="card">
      <h2>Task</h2>
      <dl className="facts" data-testid="task-facts">
        <Fact label="UUID">
          <span className="mono">{task.uuid}</span>
        </Fact>
        <Fact label="Name">{orDash(task.name)}</Fact>
        <Fact label="State">
          <StateBadge state={state} />
        </Fact>
        <Fact label="Worker">{task.worker ? <WorkerLink name={task.worker} /> : null}</Fact>
        <Fact label="Client">{orDash(task.client)}</Fact>
        <Fact label="Queue">{task.queue ?? (storedQueue !== null ? <>{storedQueue} <span className="muted">(from the result backend)</span></> : null)}</Fact>
        <Fact label="Exchange">{orDash(task.exchange)}</Fact>
        <Fact label="Routing key">{orDash(task.routing_key)}</Fact>
        <Fact label="Retries">{task.retries}</Fact>
        <Fact label="Lost">{task.lost ? <span className="status-bad">yes: its worker went offline while it ran</span> : 'no'}</Fact>
        {task.settled !== null && (
          <Fact label="Settled">
            <span className="status-warn" data-testid="task-settled">
              {settledText(format, task.settled)}
            </span>
          </Fact>
        )}
        {task.clock_skew !== null && (
          <Fact label="Clock">
            <span className="status-warn" data-testid="task-clock-skew">
              suspect: an event was stamped {skewText(task.clock_skew)} Pollen received it. Its times are shown as sent; lists sort it by when Pollen received it.
            </span>
          </Fact>
        )}
        {task.revoke !== null && (
          <Fact label="Revoked">
            <span className="status-warn" data-testid="task-revoke-info">
              {task.revoke.expired ? 'expired before it ran' : task.revoke.terminated ? `terminated${task.revoke.signum !== null ? ` with ${SIGNALS[task.revoke.signum] ?? `signal ${task.revoke.signum}`}` : ''}` : 'revoked (not terminated)'}
            </span>
          </Fact>
        )}
      </dl>
    </section>
  );
}

/** Why the state shown did not come from the task's own events: they fell into a gap in the event stream. */
function settledText(format: TimeFormat, settled: SettlementJson): string {
  const learnt = settled.source === 'inspect' ? "from its worker's answer to inspect" : 'from the result backend';
  const gap = settled.gap === null ? '' : `: its events fell into a gap in the event stream from ${format.dateTime(settled.gap.from)} to ${format.dateTime(settled.gap.to)} (${settled.gap.reason})`;
  return `learnt ${learnt} at ${format.dateTime(settled.at)}${gap}`;
}

/** A sender's clock error in words; a stamp such as 1e308 is no duration worth spelling out. */
function skewText(seconds: number): string {
  const side = seconds > 0 ? 'ahead of when' : 'before';
  return Math.abs(seconds) > 100 * 365 * 86400 ? `more than a century ${side}` : `${formatDuration(Math.abs(seconds))} ${side}`;
}

/** The worker's runtime; for a failure the server measures it from task-started to task-failed. */
function runtime(task: V1Task): ReactNode {
  if (task.runtime === null) return null;
  if (task.runtime_source !== 'started-failed') return formatDuration(task.runtime);
  return (
    <>
      {formatDuration(task.runtime)} <span className="muted" title="Celery's task-failed carries no runtime">(started → failed)</span>
    </>
  );
}

export function TaskTimes({ task }: { task: V1Task }) {
  const format = useTimeFormat();
  return (
    <section className="card">
      <h2>Times</h2>
      <dl className="facts" data-testid="task-times">
        <Fact label="Sent">{time(format, task.sent)}</Fact>
        <Fact label="Received">{time(format, task.received)}</Fact>
        <Fact label="Started">{time(format, task.started)}</Fact>
        {task.succeeded !== null && <Fact label="Succeeded">{time(format, task.succeeded)}</Fact>}
        {task.failed !== null && <Fact label="Failed">{time(format, task.failed)}</Fact>}
        {task.retried !== null && <Fact label="Retried">{time(format, task.retried)}</Fact>}
        {task.revoked !== null && <Fact label="Revoked">{time(format, task.revoked)}</Fact>}
        {task.rejected !== null && <Fact label="Rejected">{time(format, task.rejected)}</Fact>}
        <Fact label="Runtime">{runtime(task)}</Fact>
        <Fact label="ETA">{isoTime(format, task.eta)}</Fact>
        <Fact label="Expires">{isoTime(format, task.expires)}</Fact>
      </dl>
    </section>
  );
}

export function TaskFamily({ task }: { task: V1Task }) {
  const root = task.root_id !== null && task.root_id !== task.uuid ? task.root_id : null;
  return (
    <section className="card">
      <h2>Family</h2>
      <dl className="facts">
        <Fact label="Root">{root ? <TaskLink id={root} testId="task-root" /> : task.root_id === task.uuid ? <span className="muted">this task</span> : null}</Fact>
        <Fact label="Parent">{task.parent_id ? <TaskLink id={task.parent_id} testId="task-parent" /> : null}</Fact>
        <Fact label="Children">
          {task.children.length === 0 ? null : (
            <ul className={styles.links}>
              {task.children.map((child) => (
                <li key={child}>
                  <TaskLink id={child} />
                </li>
              ))}
            </ul>
          )}
        </Fact>
        <Fact label="Retry of">{task.retry_of ? <TaskLink id={task.retry_of} testId="task-retry-of" /> : null}</Fact>
        <Fact label="Retried as">
          {task.retried_as.length === 0 ? null : (
            <ul className={styles.links} data-testid="task-retried-as">
              {task.retried_as.map((next) => (
                <li key={next}>
                  <TaskLink id={next} />
                </li>
              ))}
            </ul>
          )}
        </Fact>
      </dl>
    </section>
  );
}
