/**
 * Tasks and workers as the push channel sends them: rendered by the REST API's own renderers, so that
 * a pushed record and GET /api/v1/tasks/:id (a task), a row of GET /api/v1/tasks (a list's row) or
 * GET /api/workers (a worker's event fields) agree field for field.
 */
import type { V1Task, V1TaskRow } from '@/lib/api/tasks';
import type { WorkerEventJson } from '@/lib/api/workers';
import { linkedTaskView, taskView } from '../api/task-view';
import { v1Task, v1TaskRow } from '../api/v1/task-json';
import { workerJson } from '../api/worker-json';
import type { TaskStore } from '../store/task-store';
import type { TaskLinkReads } from '../state/task-links';
import type { TaskRecord } from '../state/task-record';

/** A task with its links, as GET /api/v1/tasks/:id shows it (the `task` topic). */
export function pushedTask(task: TaskRecord, links: TaskLinkReads): V1Task {
  return v1Task(linkedTaskView(task, links));
}

/**
 * A row of a task list (the `tasks` topic): a row of GET /api/v1/tasks without `children` and
 * `retried_as`, lists without bound that no list shows (lib/api/tasks.ts, V1TaskRow).
 */
export function pushedRow(task: TaskRecord): V1TaskRow {
  return v1TaskRow(taskView(task));
}

/**
 * Every worker of the model as GET /api/workers renders its event-derived fields (no inspect replies:
 * those stay with REST, which says how old they are). O(workers); the flush calls it at most once.
 */
export function pushedWorkers(state: TaskStore, nowMs: number): Map<string, WorkerEventJson> {
  const now = nowMs / 1000;
  const workers = new Map<string, WorkerEventJson>();
  for (const worker of state.workers()) workers.set(worker.hostname, workerJson(worker, now));
  return workers;
}
