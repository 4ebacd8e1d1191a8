'use client';
/** One task, live: its fields, timeline, arguments and result, failure, progress, workflow and controls. */
import Link from 'next/link';
import { ApiError } from '../api/api-client';
import { CopyButton } from '../clipboard/copy-button';
import { StateBadge } from '../tasks/state-badge';
import { FINISHED_STATES } from '@/lib/api/task-states';
import { BackendMeta, RetryHistory, TaskArguments, TaskFailure } from './task-payload';
import { TaskControls } from './task-controls';
import { TaskFamily, TaskIdentity, TaskTimes } from './task-facts';
import { ProgressBar, progressOf } from './task-progress';
import { TaskTimeline } from './task-timeline';
import styles from './task.module.css';
import { useTaskData } from './use-task-detail';
import { WorkflowGraph } from './workflow-graph';

export function TaskPage({ id }: { id: string }) {
  const { live, detail, detailError, workflow, workflowError, state, refresh } = useTaskData(id);
  const notFound = detailError instanceof ApiError && detailError.status === 404;

  if (detail === undefined) {
    return (
      <>
        <div className="page-header">
          <h1>Task</h1>
          <span className="mono muted">{id}</span>
        </div>
        {notFound && !live ? (
          <div className="card" data-testid="task-unknown" role="alert">
            <h2>Unknown task</h2>
            <p>
              Neither Pollen nor the result backend knows a task <code>{id}</code>. It may not have been sent yet, Pollen may have forgotten it
              (it keeps the newest <code>--max-tasks</code>), or the id is wrong. This page shows it as soon as an event about it arrives.
            </p>
            <p>
              <Link href="/tasks">All tasks</Link>
            </p>
          </div>
        ) : detailError !== null && !notFound ? (
          <p className="status-bad" role="alert">
            Could not load the task: {detailError.message}
          </p>
        ) : (
          <p className="muted">Loading…</p>
        )}
      </>
    );
  }

  const task = detail.task;
  const meta = detail.backend?.meta ?? null;
  const progress = progressOf(meta);
  const storedStatus = typeof meta?.['status'] === 'string' ? meta['status'] : null;
  const name = task?.name ?? (typeof meta?.['name'] === 'string' ? meta['name'] : null);
  const shownState = state ?? 'PENDING';

  return (
    <>
      <div className="page-header">
        <div>
          <h1 className={styles.title}>
            {name ?? 'Task'}{' '}
            <span data-testid="task-state">
              <StateBadge state={shownState} />
            </span>
            {storedStatus !== null && storedStatus !== shownState && !FINISHED_STATES.has(storedStatus) && (
              <span title="The state the task reported to the result backend">
                <StateBadge state={storedStatus} />
              </span>
            )}
          </h1>
          <p className={styles.uuid}>
            <span className="mono" data-testid="task-uuid">
              {id}
            </span>
            <CopyButton value={id} label="task id" testId="task-copy-id" />
          </p>
        </div>
        <TaskControls id={id} name={name} state={state} onChanged={refresh} />
      </div>
      <div className="stack">
        {progress !== null && (
          <section className="card">
            <h2>Progress</h2>
            <ProgressBar progress={progress} />
          </section>
        )}
        {task === null && <p className="muted">Pollen holds no events for this task: what follows comes from the result backend alone.</p>}
        {task !== null && (
          <div className={styles.columns}>
            <TaskIdentity task={task} state={shownState} storedQueue={typeof meta?.['queue'] === 'string' ? meta['queue'] : null} />
            <section className="card">
              <h2>Timeline</h2>
              <TaskTimeline entries={detail.timeline} worker={task.worker} retries={task.retries} />
            </section>
          </div>
        )}
        <TaskFailure task={task} meta={meta} state={state} />
        <TaskArguments task={task} meta={meta} />
        {task !== null && <RetryHistory attempts={task.retry_history} />}
        {workflow !== undefined ? (
          <WorkflowGraph workflow={workflow} current={id} />
        ) : workflowError !== null && !(workflowError instanceof ApiError && workflowError.status === 404) ? (
          <p className="status-bad">Could not load the workflow: {workflowError.message}</p>
        ) : null}
        {task !== null && (
          <div className={styles.columns}>
            <TaskTimes task={task} />
            <TaskFamily task={task} />
          </div>
        )}
        <BackendMeta backend={detail.backend} />
      </div>
    </>
  );
}
