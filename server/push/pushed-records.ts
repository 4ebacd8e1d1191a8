/**
 * Tasks and workers as the push channel sends them: rendered by the REST API's own renderers, so that
 * a pushed record and GET /api/task/info/:id or GET /api/workers agree field for field.
 */
import type { PushedTask, PushedWorker } from '@/lib/push/contract';
import { flowerTask } from '../api/flower-task-json';
import { workerJson } from '../api/worker-json';
import type { TaskStore } from '../store/task-store';
import type { TaskRecord } from '../state/task-record';

const NO_CHILDREN: readonly string[] = [];

/** A task with its children (TaskStore.childrenOf), as GET /api/task/info/:id shows it. */
export function pushedTask(task: TaskRecord, children: readonly string[]): PushedTask {
  return flowerTask(task, children) as PushedTask;
}

/** A row of a task list: GET /api/tasks's fields but `children`, a column lists do not show. Clients keep what REST gave them. */
export function pushedRow(task: TaskRecord): PushedTask {
  const { children: _children, ...row } = flowerTask(task, NO_CHILDREN);
  return row as PushedTask;
}

/**
 * Every worker of the model as GET /api/workers renders its event-derived fields (no inspect replies:
 * those stay with REST, which says how old they are). O(workers); the flush calls it at most once.
 */
export function pushedWorkers(state: TaskStore, nowMs: number): Map<string, PushedWorker> {
  const now = nowMs / 1000;
  const workers = new Map<string, PushedWorker>();
  for (const worker of state.workers()) workers.set(worker.hostname, workerJson(worker, now));
  return workers;
}
